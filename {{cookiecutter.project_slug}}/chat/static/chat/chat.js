/*
 * The chat page: join a room, send messages, show what others say.
 *
 * Each message from the server carries its number in the room (seq). After a
 * drop the socket comes back asking for what followed the last one seen, and
 * shows a gap marker when the room no longer keeps all of it. The server does
 * not echo this page's own messages, so those sent since the last seq seen
 * are matched off when the catch-up brings them back. Messages of visitors
 * (not signed in: member is false) are marked apart from members'.
 */
"use strict";

(() => {
  const joinForm = document.querySelector("#join-form");
  const sendForm = document.querySelector("#send-form");
  const nameInput = document.querySelector("#name");
  const roomInput = document.querySelector("#room");
  const messageInput = document.querySelector("#message");
  const sendButton = document.querySelector("#send");
  const roomLabel = document.querySelector("#room-label");
  const log = document.querySelector("#messages");
  const status = document.querySelector("#status");
  const visitor = !nameInput.readOnly; // signed in, the name is the user name
  let socket = null;
  let lastSeq = 0;
  let unconfirmed = [];

  function addEntry(kind, who, text) {
    const item = document.createElement("li");
    item.className = kind;
    if (who) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
      if (item.classList.contains("visitor")) {
        name.title = "A visitor, not signed in";
      }
      item.append(name);
    }
    item.append(document.createTextNode(text));
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function setCanSend(canSend) {
    messageInput.disabled = !canSend;
    sendButton.disabled = !canSend;
  }

  function show({ seq, name, message, member }, replayed) {
    if (seq <= lastSeq) {
      return; // seen already
    }
    lastSeq = seq;
    const mine = unconfirmed[0];
    if (replayed && mine && mine.name === name && mine.text === message) {
      unconfirmed.shift();
      return;
    }
    addEntry(member ? "" : "visitor", name, message);
  }

  function onMessage(message) {
    if (message.action === "new_chat_message") {
      unconfirmed = [];
      show(message.payload, false);
    } else if (message.action === "chat_history") {
      if (message.payload.missed_earlier) {
        addEntry("gap", "", "Some messages here were missed: the room no longer keeps them.");
      }
      message.payload.messages.forEach((each) => show(each, true));
    } else if (message.action === "error") {
      addEntry("error", "", describeError(message.payload));
    }
  }

  function join() {
    const room = roomInput.value.trim();
    if (socket) {
      socket.close();
    }
    log.replaceChildren();
    lastSeq = 0;
    unconfirmed = [];
    let joined = false;
    const path = `/ws/chat/${encodeURIComponent(room)}/`;
    roomLabel.textContent = `Room “${room}”. Messages you send reach everyone else here.`;
    setCanSend(false);
    socket = new LiveSocket(() => (joined ? `${path}?after=${lastSeq}` : path), {
      status,
      onMessage,
      onOpen: () => {
        addEntry("note", "", joined ? `Back in ${room}.` : `Joined ${room}.`);
        joined = true;
      },
      onStateChange: (state) => setCanSend(state === "open"),
    });
  }

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    join();
  });

  sendForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = messageInput.value.trim();
    const name = nameInput.value.trim();
    if (!text || !socket) {
      return;
    }
    if (!name) {
      nameInput.focus();
      addEntry("error", "", "Give yourself a name first.");
      return;
    }
    if (socket.send("new_chat_message", { message: text, name })) {
      unconfirmed.push({ name, text });
      addEntry(visitor ? "mine visitor" : "mine", name, text);
      messageInput.value = "";
      messageInput.focus();
    }
  });

  join();
})();
