"""Member-facing strings, as constants that code and tests share (pure).

WhatsApp formatting: *bold*, _italic_, `monospace`. Interactive bodies must stay ≤ 1024 UTF-16 units and
button titles ≤ 20 / row titles ≤ 24 (tests render every screen through `bot.rendering` to prove it).
"""

# --- Engine sentences -------------------------------------------------------------------------------------
NOT_UNDERSTOOD = "Sorry, I didn't understand that."
UNSUPPORTED = "I can read text and button taps only. Send *menu* to see what I can do."
CANCELLED = "Cancelled. Nothing was sent."
NOTHING_TO_CANCEL = "There was nothing to cancel."
TIMED_OUT = (
    "Your session timed out after a few minutes without a reply, so I stopped what we were doing. "
    "Nothing was sent."
)
STALE_TAP = "That button is from an earlier message, so I did not act on it."
CHOOSE_AN_OPTION = "Please tap one of the options below, or send *menu* to leave."
FALLBACK = "Send *menu* to see what I can do."
APOLOGY = (
    "Sorry, something went wrong on our side and nothing was done. "
    "Please send *menu* to start again. Reference: {reference}"
)

LEDGER_BUSY = (
    "The credex ledger is busy right now, so I could not do that. Nothing was sent. "
    "Please try again in a minute."
)
# After the sentence about this turn's money action (`flows.outcomes.told`), when the ledger was then too
# busy to show the dashboard after it.
LEDGER_BUSY_AFTER_CHANGE = (
    "The credex ledger is busy right now, so I cannot show your menu. "
    "Please send *menu* in a minute: your balance will show there."
)
# A service the money step needs (the cache Redis holding the per-minute money counter) cannot be reached:
# money fails closed, and the member is told so; the confirmation is given back, so the same Confirm works.
SERVICE_UNREACHABLE = (
    "I can't reach a service I need right now, so nothing was done. Please tap Confirm again in a minute."
)
WENT_THROUGH = "That went through."  # when this turn's instruction cannot be read back
# After the sentence about this turn's money action, when something failed on our side after it.
APOLOGY_AFTER_MONEY = (
    "Something went wrong on our side after that, so I cannot show your menu. "
    "Please send *menu* to see your balance. Reference: {reference}"
)
# On a confirmation screen, when an identical action of the member is still sent or unknown.
TWIN_IN_FLIGHT = (
    "⚠️ I am still checking with the ledger whether your identical earlier one went through, and I will "
    "message you the result. If you confirm this one too, it is sent as a second one."
)

# --- Buttons shared by many screens ------------------------------------------------------------------------
BACK_BUTTON = "Back"
MENU_BUTTON = "Menu"
CANCEL_BUTTON = "Cancel"
CONFIRM_BUTTON = "Confirm"

# --- Home (until the ledger-backed dashboard replaces it) ---------------------------------------------------
HOME_BODY = (
    "*VimbisoPay*: offer and accept credex with other members, right here in WhatsApp.\n\n"
    "Send these words at any time:\n"
    "• *menu* – this screen\n"
    "• *cancel* – stop what you are doing (nothing is sent)\n"
    "• *back* – go back one step\n"
    "• *help* – how everything works\n\n"
    "Quick offers: `0.5=>handle` (secured), `0.5->handle` (unsecured, due in 4 weeks) or "
    "`0.5->handle=YYYY-MM-DD`.\n\n"
    "There are no fees on the ledger. Tap *Menu* for more."
)
HOME_LIST_BUTTON = "Menu"
HOME_SECTION = "Help"

# --- Help --------------------------------------------------------------------------------------------------
HELP_TOPICS_BODY = "What would you like to know?"
HELP_TOPICS_BUTTON = "Topics"

HELP_COMMANDS_TITLE = "Commands"
HELP_COMMANDS_ROW = "Words you can always send"
HELP_COMMANDS = (
    "*Words you can send at any time*\n"
    "• *hi* or *menu* – your home screen\n"
    "• *cancel* (or *stop*, *x*) – stop what you are doing; nothing is sent\n"
    "• *back* – go back one step\n"
    "• *help* – this guide\n"
    "• *about* – what credex is\n\n"
    "Buttons act only on the latest screen: an older button does nothing and says so.\n"
    "If you do not answer for a few minutes your session times out, and nothing half-done is ever sent."
)

HELP_SHORTHAND_TITLE = "Quick offers"
HELP_SHORTHAND_ROW = "Offer credex in one line"
HELP_SHORTHAND = (
    "*Quick offers (shorthand)*\n"
    "Type an offer in one line:\n"
    "• `0.5=>handle` – secured offer in your default denomination\n"
    "• `0.5->handle` – unsecured offer, due in 4 weeks\n"
    "• `0.5->handle=YYYY-MM-DD` – unsecured, due on that date (7 to 34 days from today)\n"
    "• `0.5 USD=>handle` – name the denomination (USD, ZWG, CAD, XAU, CXX)\n\n"
    "Spaces around the arrow are fine. Write amounts with a dot and no commas: `12.50`.\n"
    "You always see a confirmation screen first: nothing is sent until you tap *Confirm*."
)

HELP_TIERS_TITLE = "Tiers and limits"
HELP_TIERS_ROW = "Daily limits and upgrades"
HELP_TIERS = (
    "*Tiers and limits*\n"
    "• *Open* – where everyone starts, free: offer up to 10 USD of credex a day.\n"
    "• *Verified* – up to 100 USD a day.\n"
    "• *Hustler* – 1.00 USD secured every 28 days: no daily limit, and you can open more accounts.\n"
    "• *Entrepreneur* – also lets you authorise other members on your business accounts.\n\n"
    "Daily limits renew at midnight UTC. Your menu shows what remains today and how to upgrade."
)

HELP_FEES_TITLE = "Fees"
HELP_FEES_ROW = "What costs what"
HELP_FEES = (
    "*Fees*\n"
    "The credex ledger charges no fees: opening an account and offering, receiving, accepting, declining "
    "or cancelling credex are all free.\n\n"
    "The only paid option is the Hustler tier (1.00 USD every 28 days).\n\n"
    "If you cash credex in or out through an agent, any fee is between you and the agent, so ask first."
)

# --- About -------------------------------------------------------------------------------------------------
ABOUT_TITLE = "About credex"
ABOUT_ROW = "What a credex is"
ABOUT = (
    "*About credex*\n"
    "A credex is a promise of value from one member to another, recorded on a shared ledger.\n\n"
    "• *Secured* credex is backed by value the issuer already holds.\n"
    "• *Unsecured* credex is a promise to pay by a due date.\n\n"
    "When promises form a loop (A owes B, B owes C, C owes A), the ledger clears them against each other, "
    "so everyone's debts shrink without cash changing hands.\n\n"
    "VimbisoPay is your window onto that ledger in WhatsApp. Your member handle is your phone number."
)
HELP_BUTTON = "Help"

# --- Members known only by their WhatsApp username (no number yet) ---------------------------------------
SHARE_NUMBER_ASK = (
    "Welcome to VimbisoPay. Your credex account is tied to your WhatsApp number, and WhatsApp has not "
    "shared it with us. Tap *Share phone number* below to send it; only the number shared through this "
    "button is accepted. Until then you can send *help* or *about* to read how it works."
)
SHARE_NUMBER_REMINDER = (
    "To see balances or send credex, please share your number with the *Share phone number* button in my "
    "earlier message, or send *link* to get the button again."
)
CARD_REFUSED = (
    "That is a contact card, which I cannot use to link a number (it could be anyone's). Please use the "
    "*Share phone number* button instead: it sends your own number."
)
NUMBER_LINKED = "Thank you: your number is linked to this chat."
NUMBER_IN_USE = (
    "This number is already linked to another VimbisoPay member, so I cannot open it here. If it is yours, "
    "please contact support and we will check it with you."
)
UNLINKED_HELP = (
    "*VimbisoPay* lets you hold and exchange credex – promises of value recorded on the credex ledger – "
    "from WhatsApp.\n\nYour account is tied to your phone number, so I need it before I can show balances "
    "or send credex. Send *about* to learn what a credex is, or *link* to share your number."
)
