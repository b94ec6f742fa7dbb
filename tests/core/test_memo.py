"""Configuration read once per long job, and never remembered outside one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.config.parameters import parameter_value, parameters_set
from guanxi.core.memo import remembering
from tests.conftest import World, grant


def test_a_job_reads_a_parameter_once_and_pages_read_it_every_time(world: World) -> None:
    grant(world.root)
    code = "pool.no_followup_days"
    with CaptureQueriesContext(connection) as outside:
        parameter_value(code, unit=world.unit)
        parameter_value(code, unit=world.unit)
    with remembering(), CaptureQueriesContext(connection) as inside:
        first = parameter_value(code, unit=world.unit)
        parameter_value(code, unit=world.unit)
        parameter_value(code, unit=None)  # other arguments: read on their own
    assert (len(outside), len(inside)) == (2, 1)
    parameters_set(actor=world.root, unit=world.unit, values={code: first + 5})
    assert parameter_value(code, unit=world.unit) == first + 5  # no memory left behind by the job
