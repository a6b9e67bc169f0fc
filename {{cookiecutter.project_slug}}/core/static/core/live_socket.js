/*
 * A websocket that says what state it is in and comes back after a drop.
 *
 *   const socket = new LiveSocket("/ws/chat/lobby/", {
 *     status: document.querySelector("#status"),
 *     onMessage: (message) => { ... },   // every frame, parsed: {action, payload}
 *   });
 *   socket.send("new_chat_message", {message: "hi", name: "Ada"});
 */
"use strict";

class LiveSocket {
  constructor(path, { status = null, onMessage = () => {}, onOpen = () => {} } = {}) {
    this.path = path;
    this.statusElement = status;
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.retryDelay = 500;
    this.closedOnPurpose = false;
    this.connect();
  }

  get url() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${window.location.host}${this.path}`;
  }

  get isOpen() {
    return this.socket !== undefined && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    this.setState("connecting", "Connecting…");
    this.socket = new WebSocket(this.url);
    this.socket.addEventListener("open", () => {
      this.retryDelay = 500;
      this.setState("open", "Connected");
      this.onOpen();
    });
    this.socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    });
    this.socket.addEventListener("close", (event) => {
      if (this.closedOnPurpose) {
        this.setState("closed", "Disconnected");
        return;
      }
      const seconds = Math.round(this.retryDelay / 100) / 10;
      const reason = event.reason ? ` (${event.reason})` : "";
      this.setState("closed", `Disconnected${reason}, retrying in ${seconds}s`);
      setTimeout(() => this.connect(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 10000);
    });
  }

  send(action, payload = null) {
    if (!this.isOpen) {
      return false;
    }
    this.socket.send(JSON.stringify({ action, payload }));
    return true;
  }

  close() {
    this.closedOnPurpose = true;
    this.socket.close();
  }

  setState(state, text) {
    if (this.statusElement) {
      this.statusElement.dataset.state = state;
      this.statusElement.textContent = text;
    }
  }
}

/* Describe a chanx error frame in one readable line. */
function describeError(payload) {
  if (Array.isArray(payload)) {
    return payload
      .map((error) => {
        const where = (error.loc || []).filter((part) => part !== "payload").join(".");
        return where ? `${where}: ${error.msg}` : error.msg;
      })
      .join("; ");
  }
  if (payload && typeof payload === "object" && "detail" in payload) {
    return String(payload.detail);
  }
  return String(payload);
}
