"""The development chat end to end over real HTTP (live server, real Redis): the page and its send endpoint
(CSRF, validation, 404 unless DEBUG and mock testing are on), and `manage.py chat` in a terminal. Every
message goes through the real signed webhook; the answers are the bot's real replies."""

import io

import pytest
from django.core.management import CommandError, call_command

from bot.models import InboxMessage
from deploy.localredis import free_port
from flows import texts
from flows.definitions.help import TOPICS
from tests.support.devchat import browser_fixture, dev_on_fixture, send  # noqa: F401 (fixtures)

MEMBER = "263771234567"
OTHER_MEMBER = "263779876543"
TOPIC_TITLES = [title for title, _description, _text in TOPICS.values()] + [texts.ABOUT_TITLE]


def row(screen, title):
    return next(option for option in screen["options"] if option["title"] == title)


# --- the page ---------------------------------------------------------------------------------------------


def test_page_loads_its_script_and_style_under_a_strict_csp(live_server, browser):
    page = browser.get(live_server.url + "/dev/chat", timeout=10)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.text and "style=" not in page.text
    assert 'src="/dev/chat/assets/devchat.js"' in page.text
    script = browser.get(live_server.url + "/dev/chat/assets/devchat.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "X-CSRFToken" in script.text
    assert browser.get(live_server.url + "/dev/chat/assets/settings.py", timeout=10).status_code == 404


# --- sending ----------------------------------------------------------------------------------------------


def test_help_returns_the_topics_list_and_a_tapped_row_returns_the_topic(live_server, browser):
    answer = send(browser, live_server, {"as": MEMBER, "text": "help"})
    assert answer.status_code == 200
    reply, screen = answer.json()["replies"][0], answer.json()["screens"][0]
    assert reply["to"] == "+" + MEMBER and reply["interactive"]["type"] == "list"  # the Graph JSON itself
    assert screen["kind"] == "list" and screen["body"] == texts.HELP_TOPICS_BODY
    assert [option["title"] for option in screen["options"]] == TOPIC_TITLES
    assert f"[4] Fees — {texts.HELP_FEES_ROW}" in screen["text"]

    fees = row(screen, "Fees")
    choice = {"id": fees["id"], "title": fees["title"], "kind": "list", "description": fees["description"]}
    topic = send(browser, live_server, {"as": MEMBER, "choice": choice})
    assert topic.status_code == 200
    [screen] = topic.json()["screens"]
    assert screen["kind"] == "buttons" and screen["body"] == texts.HELP_FEES
    assert [option["title"] for option in screen["options"]] == [texts.BACK_BUTTON, texts.MENU_BUTTON]


def test_tapping_a_button_goes_back_to_the_topics(live_server, browser):
    help_list = send(browser, live_server, {"as": MEMBER, "text": "help"}).json()["screens"][0]
    commands = row(help_list, "Commands")
    topic = send(browser, live_server, {"as": MEMBER, "choice": {**commands, "kind": "list"}}).json()
    back = row(topic["screens"][0], texts.BACK_BUTTON)
    choice = {"id": back["id"], "title": back["title"], "kind": "button"}
    again = send(browser, live_server, {"as": MEMBER, "choice": choice}).json()
    assert again["screens"][0]["body"] == texts.HELP_TOPICS_BODY


def test_members_have_their_own_conversations(live_server, browser):
    mine = send(browser, live_server, {"as": MEMBER, "text": "help"}).json()["screens"][0]
    theirs = send(browser, live_server, {"as": OTHER_MEMBER, "text": "help"}).json()["screens"][0]
    fees = send(browser, live_server, {"as": OTHER_MEMBER, "choice": {**row(theirs, "Fees"), "kind": "list"}})
    assert fees.json()["replies"][0]["to"] == "+" + OTHER_MEMBER
    assert fees.json()["screens"][0]["body"] == texts.HELP_FEES
    # The other member's tap moved only their conversation: mine is still on the topics list.
    commands = send(browser, live_server, {"as": MEMBER, "choice": {**row(mine, "Commands"), "kind": "list"}})
    assert commands.json()["replies"][0]["to"] == "+" + MEMBER
    assert commands.json()["screens"][0]["body"] == texts.HELP_COMMANDS


def test_post_without_the_csrf_token_is_refused(live_server, browser):
    answer = send(browser, live_server, {"as": MEMBER, "text": "help"}, token=False)
    assert answer.status_code == 403
    assert "CSRF" in answer.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"as": "0771234567", "text": "hi"}, '"as" must be 2-15 digits'),
        ({"as": "2637712345678901", "text": "hi"}, '"as" must be 2-15 digits'),
        ({"as": "２６３７７", "text": "hi"}, '"as" must be 2-15 digits'),
        ({"as": 263771234567, "text": "hi"}, '"as" must be 2-15 digits'),
        ({"as": MEMBER, "text": "x" * 4097}, '"text" must be 1-4096 characters'),
        ({"as": MEMBER, "text": "   "}, '"text" must be 1-4096 characters'),
        ({"as": MEMBER}, 'exactly one of "text", "choice" and "vcard"'),
        ({"as": MEMBER, "choice": {"id": "x" * 257, "title": "A", "kind": "list"}}, '"choice.id" must be'),
        ({"as": MEMBER, "choice": {"id": "a", "title": "A", "kind": "menu"}}, '"choice.kind" must be'),
        ([MEMBER, "hi"], "must be a JSON object"),
    ],
)
def test_invalid_input_is_a_400_with_a_reason(live_server, browser, body, reason):
    answer = send(browser, live_server, body)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]


def test_the_longest_text_is_accepted(live_server, browser):
    assert send(browser, live_server, {"as": MEMBER, "text": "x" * 4096}).status_code == 200


@pytest.mark.parametrize("switched_off", ["DEBUG", "MOCK_TESTING_ENABLED"])
def test_everything_is_404_unless_debug_and_mock_testing_are_on(live_server, browser, settings, switched_off):
    setattr(settings, switched_off, False)
    assert browser.get(live_server.url + "/dev/chat", timeout=10).status_code == 404
    assert browser.get(live_server.url + "/dev/chat/assets/devchat.js", timeout=10).status_code == 404
    assert send(browser, live_server, {"as": MEMBER, "text": "help"}).status_code == 404


# --- manage.py chat -------------------------------------------------------------------------------------


def chat(url, lines, *extra):
    out = io.StringIO()
    call_command("chat", "--as", MEMBER, "--url", url, *extra, stdin=io.StringIO(lines), stdout=out)
    return out.getvalue()


def test_chat_command_lists_the_help_topics_and_opens_the_one_typed_by_number(live_server, dev_on):
    output = chat(live_server.url + "/bot/webhook", "help\n1\n/quit\n")
    assert texts.HELP_TOPICS_BODY in output
    for number, title in enumerate(TOPIC_TITLES, start=1):
        assert f"[{number}] {title}" in output
    assert f"[1] {texts.HELP_COMMANDS_TITLE} — {texts.HELP_COMMANDS_ROW}" in output
    assert "(tapped: Commands)" in output
    assert texts.HELP_COMMANDS.splitlines()[1] in output  # the Commands topic's own text
    assert f"[1] {texts.BACK_BUTTON}" in output and f"[2] {texts.MENU_BUTTON}" in output
    assert MEMBER not in output and "•••••••4567" in output
    assert output.rstrip().endswith("Bye.")


def test_chat_command_plays_two_members_each_with_their_own_screen(live_server, dev_on):
    # The other member opens Fees (4); back as the first member, 1 taps Commands on their own list.
    script = f"help\n/as {OTHER_MEMBER}\nhelp\n4\n/as {MEMBER}\n1\n"  # ends without /quit: end of input
    output = chat(live_server.url + "/bot/webhook", script)
    first, _, rest = output.partition("Now chatting as •••••••6543")
    other, _, back = rest.partition("Now chatting as •••••••4567")
    assert texts.HELP_TOPICS_BODY in first and texts.HELP_FEES.splitlines()[1] in other
    assert "(tapped: Fees)" in other and "(tapped: Commands)" in back
    assert texts.HELP_COMMANDS.splitlines()[1] in back and texts.HELP_FEES.splitlines()[1] not in back
    assert OTHER_MEMBER not in output and MEMBER not in output
    assert output.rstrip().endswith("Bye.")


def test_chat_command_says_why_when_mock_testing_is_off_on_the_server(live_server, dev_on):
    dev_on.MOCK_TESTING_ENABLED = False
    output = chat(live_server.url + "/bot/webhook", "hi\n/quit\n")
    assert "error: mock testing is disabled on that server" in output


def test_chat_command_says_why_when_nothing_listens(dev_on):
    url = f"http://127.0.0.1:{free_port()}/bot/webhook"
    output = chat(url, "hi\n")
    assert f"error: cannot reach {url}" in output


def test_chat_command_refuses_an_invalid_member_number(dev_on):
    with pytest.raises(CommandError, match="2-15 digits"):
        call_command("chat", "--as", "+263 77", stdin=io.StringIO(""), stdout=io.StringIO())


def test_chat_command_sends_a_number_that_names_no_shown_option_as_text(live_server, dev_on):
    # Before any screen, and beyond the shown options, a typed number is the member's text (an amount, say).
    topics = len(TOPIC_TITLES)
    output = chat(live_server.url + "/bot/webhook", f"7\nhelp\n{topics + 1}\n/quit\n")
    assert "(tapped" not in output
    assert InboxMessage.objects.filter(wa_id=MEMBER, kind="text").count() == 3


def test_chat_command_name_sets_the_profile_name_of_every_message(live_server, dev_on):
    output = chat(live_server.url + "/bot/webhook", "hi\nhelp\n1\n", "--name", "Rudo Chikwanha")
    assert "(tapped: Commands)" in output
    events = [row.event for row in InboxMessage.objects.filter(wa_id=MEMBER)]
    assert len(events) == 3 and {event["profile_name"] for event in events} == {"Rudo Chikwanha"}
