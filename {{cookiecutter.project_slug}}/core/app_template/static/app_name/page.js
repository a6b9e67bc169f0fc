/* The app's page: send what is typed, show every frame that comes back. */
"use strict";

(() => {
  const app = document.querySelector("#app");
  const log = document.querySelector("#log");
  const text = document.querySelector("#text");
  const action = `${app.dataset.socket.split("/")[2]}_message`;

  function show(line) {
    const item = document.createElement("li");
    item.textContent = line;
    log.append(item);
  }

  const socket = new LiveSocket(app.dataset.socket, {
    status: document.querySelector("#status"),
    onMessage: (message) => show(`${message.action}: ${JSON.stringify(message.payload)}`),
  });

  document.querySelector("#send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    socket.send(action, { text: text.value });
    text.value = "";
  });
})();
