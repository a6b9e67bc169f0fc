/* The chat page: join a room, send messages, show what others say. */
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
  let socket = null;

  function addEntry(kind, who, text) {
    const item = document.createElement("li");
    item.className = kind;
    if (who) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
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

  function onMessage(message) {
    if (message.action === "new_chat_message") {
      addEntry("", message.payload.name, message.payload.message);
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
    roomLabel.textContent = `Room “${room}”. Messages you send reach everyone else here.`;
    setCanSend(false);
    socket = new LiveSocket(`/ws/chat/${encodeURIComponent(room)}/`, {
      status,
      onMessage,
      onOpen: () => addEntry("note", "", `Joined ${room}.`),
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
      addEntry("mine", name, text);
      messageInput.value = "";
      messageInput.focus();
    }
  });

  join();
})();
