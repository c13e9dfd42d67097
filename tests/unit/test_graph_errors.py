"""Graph error code → handling class, and parsing of Graph error answers."""

import pytest

from bot.graph_errors import ErrorClass, GraphError, classify, from_response

EXPECTED = {
    ErrorClass.RETRY_THROTTLED: [130429, 4, 80007],
    ErrorClass.RETRY_PAIR_LIMIT: [131056],
    ErrorClass.RETRY_TRANSIENT: [131000, 131016, 131057],
    ErrorClass.NEEDS_TEMPLATE: [131047],
    ErrorClass.TERMINAL_RECIPIENT: [131026, 131049, 131050, 131051, 131062],
    ErrorClass.AUTH: [0, 190, 10, 3, 200, 250, 299],
    ErrorClass.BUG: [100, 131008, 131009, 132000, 132012, 132016],
    ErrorClass.SPAM_LIMIT: [131048, 131064],
    ErrorClass.ACCOUNT: [368, 131031, 130497],
    ErrorClass.SECURITY: [137000],
    ErrorClass.UNKNOWN: [1, 199, 300, 131999, 132017, 999999],
}
CASES = [(code, klass) for klass, codes in EXPECTED.items() for code in codes]


@pytest.mark.parametrize(("code", "klass"), CASES)
def test_codes_map_to_their_class(code, klass):
    assert classify(code, 400) == klass


def test_only_the_three_retry_classes_are_retryable():
    retryable = {klass for klass in ErrorClass if GraphError(None, "", klass).retryable}
    assert retryable == {ErrorClass.RETRY_THROTTLED, ErrorClass.RETRY_PAIR_LIMIT, ErrorClass.RETRY_TRANSIENT}


@pytest.mark.parametrize(
    ("status", "klass"),
    [
        (500, "retry_transient"),
        (503, "retry_transient"),
        (429, "retry_throttled"),
        (400, "unknown"),
        (302, "unknown"),
    ],
)
def test_without_a_code_the_http_status_decides(status, klass):
    assert classify(None, status) == klass


def test_a_listed_code_wins_over_a_5xx_status():
    assert classify(131026, 500) == ErrorClass.TERMINAL_RECIPIENT
    assert classify(12345, 502) == ErrorClass.RETRY_TRANSIENT  # unlisted code on a server failure


def test_graph_error_json_is_parsed_and_details_are_dropped():
    body = {
        "error": {
            "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "type": "OAuthException",
            "code": 131056,
            "error_data": {"messaging_product": "whatsapp", "details": "to +263771234567"},
            "fbtrace_id": "Abc",
        }
    }
    error = from_response(400, body)
    assert error == GraphError(
        131056,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        ErrorClass.RETRY_PAIR_LIMIT,
        400,
    )
    assert "263771234567" not in repr(error)


@pytest.mark.parametrize("body", [None, "oops", [], {"error": "text"}, {"error": {"code": "131056"}}])
def test_malformed_error_bodies_fall_back_on_the_status(body):
    error = from_response(503, body)
    assert (error.code, error.klass, error.http_status) == (None, ErrorClass.RETRY_TRANSIENT, 503)


def test_error_class_values_fit_the_outbox_column():
    assert max(len(klass.value) for klass in ErrorClass) <= 24
