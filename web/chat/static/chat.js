// Linli web chat: the page side of the websocket protocol (see web/chat/socket.py).
// Every bot message has its chat's sequence number: the page applies each number once,
// says the last one it has when it (re)connects, and resends its own unanswered messages
// with the same id (the server handles an id once). Texts go into text nodes only.
"use strict";
(function () {
  const words = JSON.parse(document.getElementById("words").textContent);
  const chat = document.getElementById("chat");
  const statusEl = document.getElementById("status");
  const toastEl = document.getElementById("toast");
  const keysEl = document.getElementById("keys");
  const form = document.getElementById("composer-form");
  const composer = document.getElementById("composer");
  const replyingEl = document.getElementById("replying");
  const replyingText = document.getElementById("replying-text");
  let lastSeq = 0;
  let ws = null;
  let attempt = 0;
  let askingPhone = false;
  let replyingTo = null;
  let toastTimer = null;
  const pending = new Map(); // id -> page message not acknowledged yet (resent on reconnect)
  const echoes = new Map(); // id -> the text of its pending bubble
  const written = new Map(); // id -> when it was typed (ms); a day later it is let go
  const KEEP_MS = 24 * 3600 * 1000;
  const uploads = new Set(); // ids of photos being uploaded
  // Unacknowledged messages survive a reload: kept per chat, resent with the same ids.
  const storeKey = "linli.pending." + (document.body.dataset.chat || "");
  const photoInput = document.getElementById("photo-file");

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function setStatus(text, online) {
    statusEl.textContent = text;
    statusEl.classList.toggle("online", !!online);
  }

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
  }

  function scrollDown() {
    window.scrollTo(0, document.body.scrollHeight);
  }

  function showToast(text, alert) {
    if (!text) return;
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toastEl.hidden = true; }, alert ? 5000 : 2200);
  }

  function buttonsOf(rows, seq) {
    const box = document.createElement("div");
    box.className = "buttons";
    for (const row of rows || []) {
      const line = document.createElement("div");
      line.className = "btn-row";
      for (const b of row) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        button.dataset.data = b.data;
        button.addEventListener("click", () => send({ type: "button", data: b.data, ref: seq }));
        line.appendChild(button);
      }
      box.appendChild(line);
    }
    return box;
  }

  function save() {
    const kept = Array.from(pending.values(), (message) => ({
      message: message, echo: echoes.get(message.id), at: written.get(message.id) || Date.now(),
    }));
    try {
      if (kept.length) localStorage.setItem(storeKey, JSON.stringify(kept));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* storage full or disabled: kept in memory only */ }
  }

  function restore() {
    let kept = [];
    try { kept = JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { kept = []; }
    if (!Array.isArray(kept)) return;
    for (const entry of kept) {
      const message = entry && entry.message;
      if (!message || typeof message.id !== "string" || pending.has(message.id)) continue;
      if (typeof entry.at !== "number" || Date.now() - entry.at > KEEP_MS) continue; // too old now
      pending.set(message.id, message);
      written.set(message.id, entry.at);
      if (typeof entry.echo === "string") {
        echoes.set(message.id, entry.echo);
        echo(message.id, entry.echo);
      }
    }
    save(); // what was too old is forgotten
  }

  function pictureOf(body) {
    // Only this site's photo route is shown (bot images come as data: URLs, below).
    if (typeof body.photo !== "string" || !body.photo.startsWith("/chat/image/")) return null;
    const img = document.createElement("img");
    img.src = body.photo;
    img.alt = "";
    img.className = "photo";
    return img;
  }

  function rowFor(seq, who) {
    const row = document.createElement("div");
    row.className = "row " + who;
    row.dataset.seq = String(seq);
    return row;
  }

  function fillBot(row, body) {
    row.textContent = "";
    const bubble = document.createElement("div");
    bubble.className = "bubble bot";
    if (typeof body.image === "string" && body.image.startsWith("data:image/")) {
      const img = document.createElement("img");
      img.src = body.image;
      img.alt = "";
      bubble.appendChild(img);
    }
    const picture = pictureOf(body);
    if (picture) bubble.appendChild(picture);
    if (body.url && body.filename) {
      const link = document.createElement("a");
      link.className = "download";
      link.href = body.url;
      link.download = body.filename;
      link.textContent = "⬇ " + body.filename;
      bubble.appendChild(link);
      if (body.caption) bubble.appendChild(document.createTextNode("\n" + body.caption));
    } else {
      appendText(bubble, body.text || "");
    }
    row.appendChild(bubble);
    if (body.buttons && body.buttons.length) row.appendChild(buttonsOf(body.buttons, Number(row.dataset.seq)));
    if (body.answerable) {
      const reply = document.createElement("button");
      reply.type = "button";
      reply.className = "reply";
      reply.textContent = words.reply;
      reply.addEventListener("click", () => startReply(Number(row.dataset.seq), body.text || ""));
      row.appendChild(reply);
    }
  }

  // A phone number after 📞 (door card, run sheet, customer card) or "Phone:"/"电话："
  // (a help request) becomes a tel: link: one tap calls. Everything else stays plain text.
  const PHONE = /(📞\s*|Phone:\s*|电话[:：]\s*)(\+?\d[\d -]{5,18}\d)/g;

  function appendText(parent, text) {
    let last = 0;
    for (const found of text.matchAll(PHONE)) {
      const start = found.index + found[1].length;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      const link = document.createElement("a");
      link.className = "tel";
      link.href = "tel:" + found[2].replace(/[\s-]/g, "");
      link.textContent = found[2];
      parent.appendChild(link);
      last = start + found[2].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function showKeys(body) {
    keysEl.textContent = "";
    if (body.ask_contact) {
      const key = document.createElement("button");
      key.type = "button";
      key.className = "contact";
      key.textContent = body.ask_contact;
      key.addEventListener("click", askPhone);
      keysEl.appendChild(key);
    }
    for (const labels of body.keyboard || []) {
      const line = document.createElement("div");
      line.className = "key-row";
      for (const label of labels) {
        const key = document.createElement("button");
        key.type = "button";
        key.textContent = label;
        key.addEventListener("click", () => sendText(label));
        line.appendChild(key);
      }
      keysEl.appendChild(line);
    }
    keysEl.hidden = !keysEl.childElementCount;
  }

  function hideKeys() {
    keysEl.textContent = "";
    keysEl.hidden = true;
    stopAskingPhone();
  }

  function askPhone() {
    askingPhone = true;
    composer.type = "tel";
    composer.inputMode = "tel";
    composer.placeholder = words.phone_prompt;
    composer.focus();
  }

  function stopAskingPhone() {
    askingPhone = false;
    composer.type = "text";
    composer.inputMode = "text";
    composer.placeholder = words.placeholder;
  }

  function startReply(seq, text) {
    replyingTo = seq;
    replyingText.textContent = words.replying + " " + text.split("\n").join(" ");
    replyingEl.hidden = false;
    composer.focus();
  }

  function stopReply() {
    replyingTo = null;
    replyingEl.hidden = true;
  }

  function apply(item, replay) {
    if (item.seq <= lastSeq) return; // already shown
    lastSeq = item.seq;
    const body = item.body || {};
    if (item.kind === "say" || item.kind === "document") {
      const row = rowFor(item.seq, "bot");
      fillBot(row, body);
      chat.appendChild(row);
      if (body.keyboard || body.ask_contact) showKeys(body);
      else if (body.remove_keyboard) hideKeys();
    } else if (item.kind === "me") {
      const mine = body.id ? chat.querySelector('.row.me[data-id="' + CSS.escape(body.id) + '"]') : null;
      const row = mine || rowFor(item.seq, "me");
      row.dataset.seq = String(item.seq);
      row.textContent = "";
      const bubble = document.createElement("div");
      bubble.className = "bubble me";
      const picture = pictureOf(body);
      if (picture) bubble.appendChild(picture);
      bubble.appendChild(document.createTextNode(body.text || ""));
      row.appendChild(bubble);
      chat.appendChild(row); // a confirmed echo moves to its place in the transcript
    } else if (item.kind === "edit") {
      const row = chat.querySelector('.row.bot[data-seq="' + Number(body.target) + '"]');
      if (row) fillBot(row, body);
    } else if (item.kind === "toast") {
      if (!replay) showToast(body.text, body.alert);
    }
  }

  function onFrame(event) {
    let message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message.type === "hello") {
      relabel(message.words, message.locale);
    } else if (message.type === "messages") {
      const follow = atBottom() || !message.replay;
      for (const item of message.items) apply(item, message.replay);
      for (const row of chat.querySelectorAll('.row.me[data-seq="0"]')) chat.appendChild(row); // still waiting: last
      mark();
      if (follow) scrollDown();
    } else if (message.type === "resumed") {
      focusAsked();
    } else if (message.type === "push_offer") {
      offerNotifications();
    } else if (message.type === "ack") {
      pending.delete(message.id);
      echoes.delete(message.id);
      written.delete(message.id);
      save();
      mark();
      if (message.error) failed(message.id, message.error);
    }
  }

  // A notification's tap opens /?at=N: show message N once the chat is there.
  let focusSeq = Number(new URLSearchParams(location.search).get("at")) || 0;
  function focusAsked() {
    if (!focusSeq) return;
    const row = chat.querySelector('.row[data-seq="' + focusSeq + '"]');
    focusSeq = 0;
    history.replaceState(null, "", "/");
    if (!row) return;
    row.classList.add("focus");
    row.scrollIntoView({ block: "center" });
  }

  // Web Push: permission is asked only after the first order (the server's push_offer)
  // or when the person taps "🔔 Notify me"; never on a first visit.
  const notifyButton = document.getElementById("notify");
  const pushable = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const askedKey = "linli.push.asked";

  function b64ToBytes(text) {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function subscribed() {
    const registration = await navigator.serviceWorker.ready;
    return registration.pushManager.getSubscription();
  }

  async function showNotifyButton() {
    if (!pushable || Notification.permission === "denied") return;
    let current = null;
    try { current = Notification.permission === "granted" ? await subscribed() : null; } catch (e) { current = null; }
    notifyButton.hidden = !!current;
  }

  async function enableNotifications() {
    if (!pushable) return;
    try { localStorage.setItem(askedKey, "1"); } catch (e) { /* kept in memory only */ }
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      if (permission === "denied") showToast(words.notify_blocked, true);
      return;
    }
    try {
      const registration = await navigator.serviceWorker.ready;
      const key = await (await fetch("/push/key", { credentials: "same-origin" })).json();
      const subscription = (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(key.key) }));
      const answer = await fetch("/push/subscribe", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(subscription.toJSON()),
      });
      if (answer.ok) {
        notifyButton.hidden = true;
        showToast(words.notify_on, false);
      }
    } catch (e) { /* push service unreachable: the button stays for another try */ }
  }

  function wantsOffer() {
    // Tell the server to offer notifications after the first order: only while this
    // browser can take them and was never asked.
    if (!pushable || Notification.permission !== "default") return false;
    try { return !localStorage.getItem(askedKey); } catch (e) { return false; }
  }

  function offerNotifications() {
    if (!pushable || Notification.permission !== "default") return;
    let asked = null;
    try { asked = localStorage.getItem(askedKey); } catch (e) { asked = null; }
    if (!asked) enableNotifications();
  }

  notifyButton.addEventListener("click", enableNotifications);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(showNotifyButton, () => {});
  }

  function relabel(fresh, locale) {
    Object.assign(words, fresh);
    document.documentElement.lang = locale === "zh_CN" ? "zh-CN" : locale;
    setStatus(words.online, true);
    const partner = document.body.classList.contains("partner");
    document.getElementById("title").textContent = words.title + (partner ? " · " + words.partner : "");
    document.title = words.title;
    document.getElementById("send").textContent = words.send;
    document.getElementById("photo").setAttribute("aria-label", words.photo);
    document.getElementById("photo").title = words.photo;
    composer.placeholder = askingPhone ? words.phone_prompt : words.placeholder;
    composer.setAttribute("aria-label", words.placeholder);
    document.getElementById("reply-cancel").textContent = words.cancel;
    notifyButton.textContent = words.notify;
    for (const button of document.querySelectorAll("#menu-bar button")) {
      const label = words["menu_" + button.dataset.section];
      if (label) button.textContent = label;
    }
  }

  function mark() {
    // For people and browser tests alike: how many messages wait for the server, and the
    // number of the newest message shown.
    document.body.dataset.pending = String(pending.size + uploads.size);
    document.body.dataset.lastSeq = String(lastSeq);
  }

  function transmit(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    else showToast(words.failed, false); // kept: sent with the same id once reconnected
  }

  function send(message, echoText) {
    message.id = newId();
    pending.set(message.id, message);
    written.set(message.id, Date.now());
    if (typeof echoText === "string") {
      echoes.set(message.id, echoText);
      echo(message.id, echoText);
    }
    save();
    mark();
    transmit(message);
    return message.id;
  }

  function echo(id, text) {
    const row = rowFor(0, "me");
    row.dataset.id = id;
    const bubble = document.createElement("div");
    bubble.className = "bubble me pending";
    bubble.textContent = text;
    row.appendChild(bubble);
    chat.appendChild(row);
    scrollDown();
  }

  function sendText(text) {
    const message = { type: "text", text: text };
    if (replyingTo !== null) message.reply_to = replyingTo;
    send(message, text);
    stopReply();
  }

  function failed(id, error) {
    const mine = chat.querySelector('.row.me[data-id="' + CSS.escape(id) + '"] .bubble');
    if (mine) mine.classList.add("failed");
    showToast(error, true);
  }

  async function sendPhoto(file) {
    // Uploaded with a POST (the websocket carries text only); the bot's answers and the
    // photo's own bubble come back over the websocket like any other message.
    const id = newId();
    const caption = composer.value.trim();
    composer.value = "";
    const form = new FormData();
    form.append("id", id);
    form.append("caption", caption);
    if (replyingTo !== null) form.append("reply_to", String(replyingTo));
    form.append("photo", file, file.name || "photo");
    uploads.add(id);
    mark();
    echo(id, caption ? "📷 " + caption : "📷");
    stopReply();
    let error = null;
    try {
      const answer = await fetch("/chat/photo", { method: "POST", body: form, credentials: "same-origin" });
      let data = {};
      try { data = await answer.json(); } catch (e) { data = {}; }
      if (!answer.ok || !data.ok) error = data.error || words.photo_failed;
    } catch (e) {
      error = words.photo_failed;
    }
    uploads.delete(id);
    mark();
    if (error) failed(id, error);
  }

  document.getElementById("photo").addEventListener("click", () => photoInput.click());
  photoInput.addEventListener("change", () => {
    const file = photoInput.files && photoInput.files[0];
    if (file) sendPhoto(file);
    photoInput.value = "";
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = composer.value.trim();
    if (!text) return;
    composer.value = "";
    if (askingPhone) {
      send({ type: "contact", phone: text }, "📱 " + text);
      stopAskingPhone();
      return;
    }
    sendText(text);
  });
  document.getElementById("reply-cancel").addEventListener("click", stopReply);
  for (const button of document.querySelectorAll("#menu-bar button")) {
    button.addEventListener("click", () => send({ type: "menu", section: button.dataset.section }));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws");
    ws.addEventListener("open", () => {
      attempt = 0;
      setStatus(words.online, true);
      ws.send(JSON.stringify({ type: "resume", last: lastSeq, offer: wantsOffer() }));
      for (const message of pending.values()) ws.send(JSON.stringify(message)); // same ids
    });
    ws.addEventListener("message", onFrame);
    ws.addEventListener("close", (event) => {
      if (event.code === 4401) { location.reload(); return; } // no chat cookie: get one
      setStatus(words.reconnecting, false);
      const delay = Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    });
  }

  setStatus(words.connecting, false);
  restore();
  mark();
  connect();
})();
