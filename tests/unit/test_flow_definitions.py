"""Flow declarations are checked at import, and the real definitions (home, help, about) behave and fit.

Each broken declaration must raise `InvalidFlowDefinition` with a message naming the problem; discovery is
tested on throwaway packages written to a temporary directory.
"""

import sys
import textwrap

import pytest

from flows import ids, texts
from flows.definitions import REGISTRY, discover
from flows.definitions.help import TOPICS
from flows.flow import Flow, HomeScreen, HomeView, InvalidFlowDefinition, Step
from flows.registry import Registry
from flows.types import ButtonsReply, ListReply, TextReply
from tests.unit.demo_flows import Chat, body_of, id_titled
from tests.unit.member_ledger import MemberLedger


def prompt(state):
    return TextReply(body="p")


class Home(HomeScreen):
    def show(self, turn, session, *, greeting):
        return HomeView(replies=(TextReply(body="home"),))


def flow(name="one", triggers=(), steps=None, entry_steps=()):
    attrs = {
        "name": name,
        "triggers": triggers,
        "steps": steps if steps is not None else (Step("a", prompt=prompt),),
        "entry_steps": entry_steps,
    }
    return type(f"Flow_{name}", (Flow,), attrs)()


@pytest.mark.parametrize(
    ("flows", "message"),
    [
        ([flow("one"), flow("one")], "duplicate flow name 'one'"),
        ([flow("one", ("go",)), flow("two", ("go",))], "trigger 'go' of 'two' is already used by 'one'"),
        ([flow("one", (ids.entry("one"),)), flow("two", (ids.entry("one"),))], "must be 'v1:two:entry:open'"),
        ([flow("one", ("menu",))], "engine word"),
        ([flow("one", ("Help",))], "not in normalised form"),
        ([flow("one", (ids.entry("one", arg="x"),))], "must be 'v1:one:entry:open'"),
        ([flow("One")], "name must match"),
        ([flow("one", steps=())], "non-empty tuple of Step"),
        ([flow("one", steps=(Step("a", prompt=prompt), Step("a", prompt=prompt)))], "duplicate step names"),
        (
            [flow("one", steps=(Step("a", prompt=prompt, next=("nowhere",)),))],
            "next step 'nowhere' does not exist",
        ),
        (
            [flow("one", steps=(Step("a", prompt=prompt), Step("orphan", prompt=prompt)))],
            "unreachable steps ['orphan']",
        ),
        (
            [flow("one", steps=(Step("a", prompt=prompt),), entry_steps=("b",))],
            "entry step 'b' does not exist",
        ),
        ([flow("one", steps=(Step("entry", prompt=prompt),))], "invalid step name"),
        ([flow("one", steps=(Step("a", prompt=prompt, choices={"back": prompt}),))], "reserved choice name"),
        ([flow("one", steps=(Step("a", prompt="not callable"),))], "prompt must be callable"),
    ],
)
def test_each_broken_declaration_is_refused_with_a_clear_reason(flows, message):
    with pytest.raises(InvalidFlowDefinition) as raised:
        Registry(flows, Home())
    assert message in str(raised.value)


def test_a_step_reachable_only_through_another_step_counts_as_reachable():
    steps = (
        Step("a", prompt=prompt, next=("b",)),
        Step("b", prompt=prompt, next=("c",)),
        Step("c", prompt=prompt),
    )
    registry = Registry([flow("one", ("go",), steps)], Home())
    assert registry.route("go").name == "one"


def test_a_registry_needs_a_home_screen():
    with pytest.raises(InvalidFlowDefinition):
        Registry([flow("one")], home=None)


def _write_package(tmp_path, monkeypatch, name, modules):
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)


HOME_SOURCE = """
    from flows.flow import HomeScreen
    class Home(HomeScreen):
        pass
"""
FLOW_SOURCE = """
    from flows.flow import Flow, Step
    from flows.types import TextReply
    class {cls}(Flow):
        name = "{name}"
        triggers = ("{name}",)
        steps = (Step("a", prompt=lambda s: TextReply(body="x")),)
"""


def test_discovery_finds_every_module_without_a_registry_line(tmp_path, monkeypatch):
    modules = {"home": HOME_SOURCE, "alpha": FLOW_SOURCE.format(cls="A", name="alpha")}
    modules["beta"] = FLOW_SOURCE.format(cls="B", name="beta")
    _write_package(tmp_path, monkeypatch, "found_flows", modules)
    assert sorted(discover("found_flows").flows) == ["alpha", "beta"]


def test_discovery_refuses_two_flows_in_one_file(tmp_path, monkeypatch):
    two = FLOW_SOURCE.format(cls="A", name="alpha") + FLOW_SOURCE.format(cls="B", name="beta")
    _write_package(tmp_path, monkeypatch, "two_flows", {"home": HOME_SOURCE, "both": two})
    with pytest.raises(InvalidFlowDefinition, match="one flow per file"):
        discover("two_flows")


@pytest.mark.parametrize("homes", [0, 2])
def test_discovery_needs_exactly_one_home(tmp_path, monkeypatch, homes):
    modules = {f"home{i}": HOME_SOURCE for i in range(homes)}
    modules["alpha"] = FLOW_SOURCE.format(cls="A", name="alpha")
    _write_package(tmp_path, monkeypatch, f"homes_{homes}", modules)
    with pytest.raises(InvalidFlowDefinition, match="exactly one HomeScreen"):
        discover(f"homes_{homes}")


def test_discovery_refuses_a_duplicate_trigger_across_files(tmp_path, monkeypatch):
    modules = {"home": HOME_SOURCE, "alpha": FLOW_SOURCE.format(cls="A", name="alpha")}
    modules["beta"] = FLOW_SOURCE.format(cls="B", name="beta").replace('("beta",)', '("alpha",)')
    _write_package(tmp_path, monkeypatch, "dup_triggers", modules)
    with pytest.raises(InvalidFlowDefinition, match="already used"):
        discover("dup_triggers")


# --- the real definitions ----------------------------------------------------------------------------------


def test_the_real_registry_has_help_and_about_reachable_by_word_and_entry_id():
    for name in ("help", "about"):
        assert REGISTRY.route(name).name == name
        assert REGISTRY.route(ids.entry(name)).name == name


def is_dashboard(reply) -> bool:
    return isinstance(reply, ListReply) and reply.body.startswith("*Tendai Moyo Personal*")


def test_hi_answers_a_member_with_the_dashboard_and_its_menu():
    replies = Chat(REGISTRY, ledger=MemberLedger()).say("hi")
    assert len(replies) == 1 and is_dashboard(replies[0])
    assert "Secured: 25.00 USD" in replies[0].body and "10.00 USD left to offer today" in replies[0].body
    titles = [row.title for row in replies[0].sections[0].rows]
    assert titles == ["Offer credex", "Incoming offers (0)", "Outgoing offers (0)", "Ledger", "Upgrade tier",
                      "Help"]  # fmt: skip


def test_hi_answers_a_newcomer_with_the_welcome():
    replies = Chat(REGISTRY, ledger=MemberLedger(member=False)).say("hi")
    assert [button.title for button in replies[0].buttons] == ["Become a member", "About credex"]


def test_help_explains_the_shorthand_tiers_and_fees():
    chat = Chat(REGISTRY, ledger=MemberLedger())
    topics = chat.say("Help")
    shorthand = body_of(chat.tap(id_titled(topics, "Quick offers"))[0])
    for form in ("0.5=>handle", "0.5->handle", "0.5->handle=YYYY-MM-DD", "0.5 USD=>handle"):
        assert f"`{form}`" in shorthand
    chat.say("back")
    tiers = body_of(chat.tap(id_titled(topics, "Tiers and limits"))[0])
    assert "Hustler" in tiers and "1.00 USD" in tiers and "no daily limit" in tiers
    chat.say("back")
    fees = body_of(chat.tap(id_titled(topics, "Fees"))[0])
    assert "no fees" in fees


def test_every_help_topic_row_lands_on_the_topic_its_title_names():
    for key, (title, _description, topic_text) in TOPICS.items():
        chat = Chat(REGISTRY, ledger=MemberLedger())
        topics = chat.say("help")
        replies = chat.tap(id_titled(topics, title))
        assert body_of(replies[0]) == topic_text, key
        assert chat.state.data == {"topic": key}
    chat = Chat(REGISTRY, ledger=MemberLedger())
    about = chat.tap(id_titled(chat.say("help"), texts.ABOUT_TITLE))
    assert body_of(about[0]) == texts.ABOUT


def test_every_help_and_about_button_does_what_its_label_says():
    chat = Chat(REGISTRY, ledger=MemberLedger())
    topic = chat.tap(ids.entry("help", arg="fees"))  # opened from home: Back returns there
    assert is_dashboard(chat.tap(id_titled(topic, "Back"))[0])
    assert not chat.state.in_flow
    topics = chat.say("help")
    topic = chat.tap(id_titled(topics, "Fees"))  # opened from the topic list: Back returns to it
    assert chat.tap(id_titled(topic, "Back"))[0] == topics[0]
    assert chat.state.step == "topics"
    topic = chat.tap(id_titled(topics, "Fees"))
    assert is_dashboard(chat.tap(id_titled(topic, "Menu"))[0])
    assert not chat.state.in_flow
    about = chat.say("about")
    assert isinstance(chat.tap(id_titled(about, texts.HELP_BUTTON))[0], ListReply)
    assert chat.state.flow == "help"


def test_text_typed_while_reading_a_topic_is_answered_and_leads_home():
    chat = Chat(REGISTRY, ledger=MemberLedger())
    chat.tap(ids.entry("help", arg="commands"))
    replies = chat.say("thanks")
    assert replies[0].body.startswith(f"{texts.NOT_UNDERSTOOD}\n\n*Tendai Moyo Personal*")
    assert not chat.state.in_flow


def test_every_real_screen_fits_whatsapp_limits():
    # Chat renders each reply with bot.rendering.render, which raises on any limit; walk every screen.
    chat = Chat(REGISTRY, ledger=MemberLedger())
    screens = [*chat.say("hi"), *chat.say("help"), *chat.say("about")]
    for key in TOPICS:
        screens += chat.tap(ids.entry("help", arg=key))
    for reply in screens:
        if isinstance(reply, ButtonsReply):
            assert len(reply.buttons) <= 3
        if isinstance(reply, ListReply):
            assert sum(len(section.rows) for section in reply.sections) <= 10
