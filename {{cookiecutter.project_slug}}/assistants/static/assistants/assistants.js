/* The assistant page: ask a question, watch the answer arrive token by token. */
"use strict";

(() => {
  const panel = document.querySelector("#assistant");
  const form = document.querySelector("#ask-form");
  const input = document.querySelector("#question");
  const button = document.querySelector("#ask");
  const log = document.querySelector("#conversation");
  const status = document.querySelector("#status");

  let isOpen = false;
  let hasConnected = false;
  let waiting = false; // a question is out and its answer is not finished
  let answer = null; // {item, text} of the answer being streamed

  /* Every piece of text goes in as a text node: nothing is parsed as HTML. */
  function addEntry(kind, who, content) {
    document.querySelector("#empty")?.remove();
    const item = document.createElement("li");
    item.className = kind;
    if (who) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
      item.append(name);
    }
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = content;
    item.append(text);
    log.append(item);
    scrollDown();
    return { item, text };
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function refresh() {
    input.disabled = !isOpen;
    button.disabled = !isOpen || waiting;
  }

  /* The answer in progress will not be completed: show it as cut short. */
  function abandonAnswer(reason) {
    if (answer) {
      answer.item.className = "note";
      if (!answer.text.textContent) {
        answer.item.remove();
      }
      answer = null;
    }
    waiting = false;
    if (reason) {
      addEntry("error", "", reason);
    }
    refresh();
  }

  function onMessage(message) {
    switch (message.action) {
      case "streaming_start":
        answer = addEntry("streaming", "Assistant", "");
        break;
      case "streaming":
        if (answer) {
          answer.text.append(message.payload.content);
          scrollDown();
        }
        break;
      case "complete_streaming":
        if (answer) {
          answer.text.textContent = message.payload.content;
          answer.item.className = "";
          answer = null;
        }
        waiting = false;
        refresh();
        break;
      case "error":
        if (message.payload && message.payload.code === "busy") {
          addEntry("error", "", describeError(message.payload));
        } else {
          abandonAnswer(`Not answered: ${describeError(message.payload)}`);
        }
        break;
    }
  }

  function onOpen() {
    isOpen = true;
    if (hasConnected) {
      addEntry("note", "", "Reconnected. This is a new conversation: earlier messages are forgotten.");
    }
    hasConnected = true;
    refresh();
  }

  function onStateChange(state) {
    const wasOpen = isOpen;
    isOpen = state === "open";
    if (wasOpen && !isOpen && waiting) {
      abandonAnswer("The connection dropped before the answer was complete.");
    }
    refresh();
  }

  /* The server closed on purpose: say why, with a way to sign in if that helps. */
  function onRefused({ code, reason }) {
    const entry = addEntry("error", "", `The assistant is not available to you: ${reason}.`);
    if (code === 4401) {
      const link = document.createElement("a");
      link.href = panel.dataset.signInUrl;
      link.id = "sign-in-to-ask";
      link.textContent = "Sign in to ask";
      entry.text.append(" ", link);
    }
  }

  const socket = new LiveSocket(panel.dataset.socketPath, {
    status,
    onMessage,
    onOpen,
    onStateChange,
    onRefused,
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question || waiting) {
      return;
    }
    if (!socket.send("assistant_message", question)) {
      addEntry("error", "", "Not connected: wait for the connection to come back.");
      return;
    }
    addEntry("mine", "You", question);
    input.value = "";
    waiting = true;
    refresh();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
