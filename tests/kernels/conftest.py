import pytest

from ttgen.paths import PROJECT_ROOT

SPECS = PROJECT_ROOT / "specs"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Render a spec (or a variant of it) once per module; returns the kernel folder."""
    from ttgen import testing

    cache = {}

    def render(spec: str, **sections):
        key = (spec, repr(sorted(sections.items())))
        if key not in cache:
            tmp = tmp_path_factory.mktemp(spec)
            path = testing.variant(SPECS / f"{spec}.yaml", tmp / "spec", **sections) if sections else SPECS / f"{spec}.yaml"
            cache[key] = testing.render_spec(path, tmp / "out")
        return cache[key]

    return render
