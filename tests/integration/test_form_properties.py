"""Random POST bodies never produce a server error: only field errors or a stored response."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token

FIELDS = ["has_union", "members", "level", "note_text", "models.0.model_name",
          "models.7.model_name", "models.x.model_name", "models..", "_response_id", "_add_row",
          "unknown", "members.baseline", "", "\x00"]
VALUES = st.one_of(
    st.sampled_from(["yes", "no", "low", "high", "", " ", "-1", "1e9", "NaN", "0x10", "1,5",
                     "models", "9" * 400, "Đắk Hà", str(uuid.uuid4()), "not-a-uuid"]),
    st.text(max_size=60),
)
BODIES = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)),
                         st.lists(VALUES, max_size=3), max_size=12)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_random_posts_never_500(client, login_as, sample_survey, body):
    if not getattr(client, "_signed_in", False):
        login_as("admin")
        client._signed_in = True
        client._token = csrf_token(client, "/surveys/sample_check/fill")
    from werkzeug.datastructures import MultiDict

    data = MultiDict([(k, v) for k, values in body.items() for v in values])
    data.setlist("csrf_token", [client._token])
    for path in ("/surveys/sample_check/fill", "/surveys/sample_check/preview"):
        response = client.post(path, data=data)
        assert response.status_code in (200, 303, 400), (path, body, response.status_code)
