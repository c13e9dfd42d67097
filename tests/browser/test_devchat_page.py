"""The development chat page in real headless Chromium (Selenium with the system chromedriver): type "help",
see the topics list as a bubble whose rows stay collapsed behind its button until it is clicked, click a row,
see the topic with WhatsApp's *bold* shown bold; a bot text holding markup and HTML shows the markup as
<strong>/<em> and the HTML as text (nothing runs); and a "username user" (number
withheld) asked for their number, refused a forwarded card, tapping Share and greeted (issue 22). The page
runs under its strict Content-Security-Policy, so this also shows that nothing on it needs inline script or
style.

Skipped when Chromium or chromedriver is not installed (`.ci/run` installs both when it runs as root).
Selenium Manager never downloads anything: the driver path is given and SE_OFFLINE is set.
"""

import re
from pathlib import Path

import pytest

from flows import texts
from tests.support.devchat import dev_on_fixture  # noqa: F401 (fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 20

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    missing = " and ".join(str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists())
    pytest.skip(f"no {missing}: apt-get install chromium chromium-driver", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def chromium(monkeypatch):
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--no-first-run", "--disable-dev-shm-usage", "--window-size=1000,900"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    yield driver
    driver.quit()


@pytest.fixture
def chat_page(live_server, dev_on, chromium):
    chromium.get(live_server.url + "/dev/chat")
    return chromium


def shown(text: str) -> str:
    """`text` as the page shows it: WhatsApp's *bold* markers become formatting, not characters."""
    return re.sub(r"\*(\S[^*\n]*?)\*", r"\1", text)


def bubbles_with(driver, text: str):
    """The bot's bubbles whose shown text contains `text` (an empty list while none does)."""
    wanted = shown(text)
    return [
        bubble for bubble in driver.find_elements(By.CSS_SELECTOR, ".bubble.screen") if wanted in bubble.text
    ]


def test_typing_help_shows_the_topics_and_clicking_a_row_opens_it(chat_page):
    wait = WebDriverWait(chat_page, WAIT_SECONDS)
    chat_page.find_element(By.ID, "text").send_keys("help")
    chat_page.find_element(By.ID, "send").click()

    topics = wait.until(lambda driver: bubbles_with(driver, texts.HELP_TOPICS_BODY))[0]
    rows = topics.find_elements(By.CSS_SELECTOR, "button.option")
    # As on the phone, the rows are behind the list's button until it is clicked.
    assert rows and not any(row.is_displayed() for row in rows)
    opener = topics.find_element(By.CSS_SELECTOR, "button.list-label")
    assert opener.text == f"☰ {texts.HELP_TOPICS_BUTTON}"
    assert opener.get_attribute("aria-expanded") == "false"
    opener.click()
    assert all(row.is_displayed() for row in rows) and opener.get_attribute("aria-expanded") == "true"
    assert [row.find_element(By.CLASS_NAME, "title").text for row in rows][:4] == [
        texts.HELP_COMMANDS_TITLE,
        texts.HELP_SHORTHAND_TITLE,
        texts.HELP_TIERS_TITLE,
        texts.HELP_FEES_TITLE,
    ]
    fees = next(row for row in rows if texts.HELP_FEES_TITLE in row.text)
    assert texts.HELP_FEES_ROW in fees.text
    fees.click()

    first_line_after_title = texts.HELP_FEES.splitlines()[1]
    topic = wait.until(lambda driver: bubbles_with(driver, first_line_after_title))[0]
    buttons = [button.text for button in topic.find_elements(By.CSS_SELECTOR, "button.option")]
    assert buttons == [texts.BACK_BUTTON, texts.MENU_BUTTON]
    # The member's own messages are shown too: what they typed, then the row they tapped.
    mine = [bubble.text for bubble in chat_page.find_elements(By.CSS_SELECTOR, ".bubble.user")]
    assert [text.splitlines()[-1] for text in mine] == ["help", texts.HELP_FEES_TITLE]
    assert not chat_page.find_elements(By.CSS_SELECTOR, ".note.error")


def test_whatsapp_bold_shows_bold_without_its_asterisks(chat_page):
    wait = WebDriverWait(chat_page, WAIT_SECONDS)
    chat_page.find_element(By.ID, "text").send_keys("help")
    chat_page.find_element(By.ID, "send").click()
    topics = wait.until(lambda driver: bubbles_with(driver, texts.HELP_TOPICS_BODY))[0]
    topics.find_element(By.CSS_SELECTOR, "button.list-label").click()
    topics.find_element(By.XPATH, f".//button[contains(., '{texts.HELP_COMMANDS_TITLE}')]").click()

    heading = texts.HELP_COMMANDS.splitlines()[0].strip("*")  # "*Words you can send at any time*"
    topic = wait.until(lambda driver: bubbles_with(driver, heading))[-1]
    bold = [node.text for node in topic.find_elements(By.CSS_SELECTOR, "p.body strong")]
    assert heading in bold and "menu" in bold and "cancel" in bold
    assert "*" not in topic.find_element(By.CSS_SELECTOR, "p.body").text


def test_markup_in_a_bot_text_is_formatted_and_html_in_it_stays_text(chat_page, monkeypatch):
    """No reply of today's bot carries member-chosen HTML (names are letters only), so the About text is
    replaced by a hostile one, sent through the real webhook, flows and dev chat endpoint like any reply."""
    hostile = (
        "*Bold* and _soft_ and ~gone~, not a_snake_name nor 2*3*4. "
        "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"><b>raw</b>"
    )
    monkeypatch.setattr(texts, "ABOUT", hostile)
    title = chat_page.title
    chat_page.find_element(By.ID, "text").send_keys("about")
    chat_page.find_element(By.ID, "send").click()

    body = WebDriverWait(chat_page, WAIT_SECONDS).until(lambda driver: bubbles_with(driver, "<script>"))[-1]
    body = body.find_element(By.CSS_SELECTOR, "p.body")
    assert [node.text for node in body.find_elements(By.CSS_SELECTOR, "strong")] == ["Bold"]
    assert [node.text for node in body.find_elements(By.CSS_SELECTOR, "em")] == ["soft"]
    assert [node.text for node in body.find_elements(By.CSS_SELECTOR, "s")] == ["gone"]
    assert not body.find_elements(By.CSS_SELECTOR, "script, img, b")  # the HTML is characters, not elements
    assert "a_snake_name nor 2*3*4" in body.text and "<b>raw</b>" in body.text
    assert chat_page.title == title  # nothing ran


def test_an_invalid_member_number_is_refused_on_the_page(chat_page):
    phone = chat_page.find_element(By.ID, "phone")
    phone.clear()
    phone.send_keys("0771")
    chat_page.find_element(By.ID, "text").send_keys("help")
    chat_page.find_element(By.ID, "send").click()
    wait = WebDriverWait(chat_page, WAIT_SECONDS)
    error = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".note.error")))
    assert "2-15 digits" in error.text
    assert not bubbles_with(chat_page, texts.HELP_TOPICS_BODY)


def test_a_username_user_is_asked_for_the_number_taps_share_and_is_greeted(chat_page):
    """Issue 22: with "username user" ticked, the bot sees no number, asks for it with WhatsApp's request,
    and the Share phone number option links it; a forwarded card is refused on the way."""
    wait = WebDriverWait(chat_page, WAIT_SECONDS)
    phone = chat_page.find_element(By.ID, "phone")
    phone.clear()
    phone.send_keys("263775550999")
    chat_page.find_element(By.ID, "username").click()
    chat_page.find_element(By.ID, "text").send_keys("hi")
    chat_page.find_element(By.ID, "send").click()

    ask = wait.until(lambda driver: bubbles_with(driver, texts.SHARE_NUMBER_ASK))[0]
    assert "contact_request" in ask.get_attribute("class")
    chat_page.find_element(By.ID, "vcard").send_keys("263779876543")
    chat_page.find_element(By.ID, "send-vcard").click()
    wait.until(lambda driver: bubbles_with(driver, texts.CARD_REFUSED.split(",")[0]))

    ask.find_element(By.CSS_SELECTOR, "button.option").click()
    linked = wait.until(lambda driver: bubbles_with(driver, texts.NUMBER_LINKED))[0]
    screens = chat_page.find_elements(By.CSS_SELECTOR, ".bubble.screen")
    assert screens[-1] != linked  # the linked member's greeting follows in the same answer
    mine = [bubble.text for bubble in chat_page.find_elements(By.CSS_SELECTOR, ".bubble.user")]
    assert all("(username user)" in text for text in mine) and len(mine) == 3
    assert not chat_page.find_elements(By.CSS_SELECTOR, ".note.error")
