// The development chat page (devtools/views.py): sends what the developer types or taps to
// POST /dev/chat/send (JSON, CSRF token in X-CSRFToken) and shows the bot's replies as chat bubbles, with
// reply buttons, list rows and template quick replies as clickable options. A list's rows stay collapsed
// behind its button until it is clicked, as on the phone. WhatsApp's markup in a reply (*bold*, _italic_,
// ~strikethrough~) is shown as <strong>, <em> and <s> built from text nodes: text is never parsed as HTML,
// so a "<script>" in a reply stays text.
// The "username user" box is remembered per member number: when ticked, that member's messages carry only
// a business-scoped user id and a username (no number); the bot's request for the number is shown with a
// "Share phone number" option, and the vCard form forwards a contact card of another number.
"use strict";

(function () {
  const root = document.getElementById("devchat");
  const messages = document.getElementById("messages");
  const form = document.getElementById("composer");
  const textInput = document.getElementById("text");
  const phoneInput = document.getElementById("phone");
  const sendButton = document.getElementById("send");
  const usernameBox = document.getElementById("username");
  const vcardForm = document.getElementById("vcard-form");
  const vcardInput = document.getElementById("vcard");
  const PHONE = /^[1-9][0-9]{1,14}$/;
  const usernameOf = {};
  let lastPhone = phoneInput.value;

  function csrfToken() {
    const prefix = root.dataset.csrfCookie + "=";
    for (const part of document.cookie.split(";")) {
      const cookie = part.trim();
      if (cookie.startsWith(prefix)) {
        return decodeURIComponent(cookie.slice(prefix.length));
      }
    }
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // WhatsApp's markup: a marker opens after the start, a blank or an opening bracket/quote, is not followed
  // by a blank, and closes (same marker, same line) after a non-blank, before the end, a blank or punctuation.
  const MARKUP = { "*": "strong", _: "em", "~": "s" };
  const MARKED = /(^|[\s([{"'])([*_~])(?!\s)([^\n]*?\S)\2(?=$|[\s.,:;!?)\]}"'])/g;

  function formatted(text) {
    const fragment = document.createDocumentFragment();
    const pattern = new RegExp(MARKED.source, "g"); // its own lastIndex: formatted() recurses
    let done = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      const start = match.index + match[1].length;
      fragment.appendChild(document.createTextNode(text.slice(done, start)));
      const marked = document.createElement(MARKUP[match[2]]);
      marked.appendChild(formatted(match[3]));
      fragment.appendChild(marked);
      done = pattern.lastIndex;
    }
    fragment.appendChild(document.createTextNode(text.slice(done)));
    return fragment;
  }

  function richElement(tag, className, text) {
    const node = element(tag, className);
    node.appendChild(formatted(text));
    return node;
  }

  function show(node) {
    messages.appendChild(node);
    node.scrollIntoView({ block: "end" });
  }

  function note(text, isError) {
    show(element("div", isError ? "note error" : "note", text));
  }

  function userBubble(phone, text) {
    const bubble = element("div", "bubble user");
    const who = "member …" + phone.slice(-4) + (usernameBox.checked ? " (username user)" : "");
    bubble.appendChild(element("div", "who", who));
    bubble.appendChild(element("p", "", text));
    show(bubble);
  }

  function optionButton(option) {
    const button = element("button", "option");
    button.type = "button";
    button.dataset.kind = option.kind;
    button.dataset.id = option.id;
    button.appendChild(element("span", "title", option.title));
    if (option.description) {
      button.appendChild(element("span", "description", option.description));
    }
    button.addEventListener("click", function () {
      const choice = { id: option.id, title: option.title, kind: option.kind };
      if (option.description) {
        choice.description = option.description;
      }
      send({ choice: choice }, option.title);
    });
    return button;
  }

  function screenBubble(screen) {
    const bubble = element("div", "bubble screen " + screen.kind);
    for (const field of ["header", "body", "footer"]) {
      if (screen[field]) {
        bubble.appendChild(richElement("p", field, screen[field]));
      }
    }
    const options = element("div", "options");
    screen.options.forEach(function (option) {
      options.appendChild(optionButton(option));
    });
    if (screen.kind === "list") {
      bubble.appendChild(listOpener(screen.button, options));
    }
    if (screen.options.length) {
      bubble.appendChild(options);
    }
    show(bubble);
  }

  function listOpener(label, options) {
    const opener = element("button", "list-label", "☰ " + (label || "Options"));
    opener.type = "button";
    opener.setAttribute("aria-expanded", "false");
    options.hidden = true; // collapsed behind the button, as on the phone
    opener.addEventListener("click", function () {
      options.hidden = !options.hidden;
      opener.setAttribute("aria-expanded", String(!options.hidden));
    });
    return opener;
  }

  async function send(message, shown) {
    const phone = phoneInput.value.trim();
    if (!PHONE.test(phone)) {
      note("The number must be 2-15 digits with the country code, not starting with 0.", true);
      return;
    }
    if (phone !== lastPhone) {
      note("Now chatting as member …" + phone.slice(-4));
      lastPhone = phone;
    }
    userBubble(phone, shown);
    sendButton.disabled = true;
    try {
      const response = await fetch(root.dataset.sendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(Object.assign({ as: phone, username: usernameBox.checked }, message)),
      });
      let answer = {};
      try {
        answer = await response.json();
      } catch (ignored) {
        answer = {};
      }
      if (!response.ok) {
        note(answer.error || "The server answered HTTP " + response.status + ".", true);
        return;
      }
      if (!answer.screens.length) {
        note("(no reply)");
      }
      answer.screens.forEach(screenBubble);
    } catch (error) {
      note("Cannot reach the server: " + error.message, true);
    } finally {
      sendButton.disabled = false;
      textInput.focus();
    }
  }

  usernameBox.addEventListener("change", function () {
    usernameOf[phoneInput.value.trim()] = usernameBox.checked;
  });

  phoneInput.addEventListener("input", function () {
    usernameBox.checked = Boolean(usernameOf[phoneInput.value.trim()]);
  });

  vcardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const other = vcardInput.value.trim();
    if (!PHONE.test(other)) {
      note("The card's number must be 2-15 digits with the country code, not starting with 0.", true);
      return;
    }
    vcardInput.value = "";
    send({ vcard: other }, "📇 contact card of …" + other.slice(-4));
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = textInput.value;
    if (!text.trim()) {
      return;
    }
    textInput.value = "";
    send({ text: text }, text);
  });
})();
