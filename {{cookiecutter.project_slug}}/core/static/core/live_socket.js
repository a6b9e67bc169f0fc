/*
 * A websocket that says what state it is in and comes back after a drop.
 *
 *   const socket = new LiveSocket("/ws/rooms/lobby/", {
 *     status: document.querySelector("#status"),
 *     onMessage: (message) => { ... },   // every frame, parsed: {action, payload}
 *     onStateChange: (state) => { ... }, // "connecting", "open" or "closed"
 *     onRefused: ({code, reason}) => { ... }, // the server refused on purpose
 *   });
 *   socket.send("new_message", {text: "hi"});
 *
 * The path may be a function, asked again on every (re)connect: a page that
 * resumes where it was cut off says so in it (chat.js: ?after=<seq>).
 *
 * A close with an application code (4000-4999) means the server refused on
 * purpose, so it is explained and not retried. chanx closes a socket whose
 * authentication failed with 4000 + the HTTP status, after an
 * "authentication" frame saying why. Any other close (1013 and its reason
 * when the server's Redis is down, say) is shown and retried after a delay
 * that doubles up to a minute, with jitter so that many tabs do not come back
 * at once; it starts small again only once a connection has stayed up for
 * LiveSocket.STABLE_AFTER_MS.
 */
"use strict";

class LiveSocket {
  constructor(
    path,
    {
      status = null,
      onMessage = () => {},
      onOpen = () => {},
      onStateChange = () => {},
      onRefused = () => {},
    } = {},
  ) {
    this.path = path;
    this.statusElement = status;
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.onStateChange = onStateChange;
    this.onRefused = onRefused;
    this.retryDelay = LiveSocket.FIRST_RETRY_MS;
    this.closedOnPurpose = false;
    this.connect();
  }

  get url() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const path = typeof this.path === "function" ? this.path() : this.path;
    return `${scheme}://${window.location.host}${path}`;
  }

  get isOpen() {
    return this.socket !== undefined && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    this.setState("connecting", "Connecting…");
    this.authenticationRefusal = "";
    this.socket = new WebSocket(this.url);
    this.socket.addEventListener("open", () => {
      this.stableTimer = setTimeout(() => {
        this.retryDelay = LiveSocket.FIRST_RETRY_MS;
      }, LiveSocket.STABLE_AFTER_MS);
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
      if (message.action === "authentication" && message.payload.status_code !== 200) {
        this.authenticationRefusal = describeError(message.payload.data);
      }
      this.onMessage(message);
    });
    this.socket.addEventListener("close", (event) => {
      clearTimeout(this.stableTimer);
      if (this.closedOnPurpose) {
        return;
      }
      if (event.code >= 4000 && event.code < 5000) {
        const reason =
          LiveSocket.refusals[event.code] ||
          event.reason ||
          this.authenticationRefusal ||
          `code ${event.code}`;
        this.setState("closed", `Refused: ${reason}`);
        this.onRefused({ code: event.code, reason });
        return;
      }
      // Anywhere from half the delay to all of it.
      const delay = this.retryDelay * (0.5 + Math.random() / 2);
      const seconds = Math.round(delay / 100) / 10;
      const reason = event.reason ? ` (${event.reason})` : "";
      this.setState("closed", `Disconnected${reason}, retrying in ${seconds}s`);
      setTimeout(() => this.connect(), delay);
      this.retryDelay = Math.min(this.retryDelay * 2, LiveSocket.LONGEST_RETRY_MS);
    });
  }

  send(action, payload = null) {
    if (!this.isOpen) {
      return false;
    }
    this.socket.send(JSON.stringify({ action, payload }));
    return true;
  }

  /* Close for good. It stops reporting, so a replacement socket owns the page. */
  close() {
    this.closedOnPurpose = true;
    this.statusElement = null;
    this.onOpen = () => {};
    this.onMessage = () => {};
    this.onStateChange = () => {};
    this.onRefused = () => {};
    this.socket.close();
  }

  setState(state, text) {
    if (this.statusElement) {
      this.statusElement.dataset.state = state;
      this.statusElement.textContent = text;
    }
    this.onStateChange(state);
  }
}

LiveSocket.FIRST_RETRY_MS = 1000;
LiveSocket.LONGEST_RETRY_MS = 60000;
LiveSocket.STABLE_AFTER_MS = 10000;

/* What the close codes of a failed authentication mean to the person at the page. */
LiveSocket.refusals = {
  4401: "sign in to use this",
  4403: "your account may not use this",
};

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
