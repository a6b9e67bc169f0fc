/* The system page: queue background jobs, show their results and the notices. */
"use strict";

(() => {
  const form = document.querySelector("#job-form");
  const taskType = document.querySelector("#task-type");
  const content = document.querySelector("#content");
  const submit = document.querySelector("#submit");
  const log = document.querySelector("#events");
  const noEvents = document.querySelector("#no-events");
  const status = document.querySelector("#status");

  function addEntry(kind, label, text) {
    const item = document.createElement("li");
    item.className = kind;
    if (label) {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = label;
      item.append(who);
    }
    item.append(document.createTextNode(text));
    log.append(item);
    log.scrollTop = log.scrollHeight;
    noEvents.hidden = true;
  }

  function setCanSend(canSend) {
    content.disabled = !canSend;
    submit.disabled = !canSend;
  }

  function onMessage(message) {
    switch (message.action) {
      case "job_queued":
        addEntry("note", "", message.payload);
        break;
      case "job_result":
        addEntry("", "Result", message.payload);
        break;
      case "system_notification":
        addEntry("", "Notice", message.payload);
        break;
      case "error":
        addEntry("error", "Error", describeError(message.payload));
        break;
      default:
        break;
    }
  }

  const socket = new LiveSocket("/ws/system/", {
    status,
    onMessage,
    onStateChange: (state) => setCanSend(state === "open"),
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = content.value.trim();
    if (!text) {
      return;
    }
    const task = taskType.value;
    if (socket.send("system_message", { task_type: task, content: text })) {
      addEntry("mine", task, text);
      content.value = "";
      content.focus();
    }
  });
})();
