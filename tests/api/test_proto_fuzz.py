import pytest
import schemathesis
from hypothesis import settings, HealthCheck
from django.core.wsgi import get_wsgi_application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api(case):
    case.call_and_validate()
