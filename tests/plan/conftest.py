import pytest

from ttgen import testing
from ttgen.errors import SpecError
from ttgen.paths import PROJECT_ROOT
from ttgen.plan import make_plan
from ttgen.spec import load_spec

SPECS = PROJECT_ROOT / "specs"


@pytest.fixture
def plan_variant(tmp_path):
    """make_plan of a spec with some sections changed."""
    return lambda spec, **sections: make_plan(load_spec(testing.variant(SPECS / f"{spec}.yaml", tmp_path, **sections)))


@pytest.fixture
def plan_error(plan_variant):
    """The SpecError a spec variant's plan raises."""
    def error(spec, **sections) -> SpecError:
        with pytest.raises(SpecError) as info:
            plan_variant(spec, **sections)
        return info.value
    return error
