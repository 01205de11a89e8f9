// The live room: one Socket.IO connection to /live (protocol: docs/live-protocol.md).
// It joins on every (re)connect, with after_seq once it has seen the room, so nothing is missed after a
// dropped link; every event carries the whole object it changes, so applying one twice does no harm.
(function () {
  "use strict";
  var root = document.getElementById("live-room");
  if (!root || typeof io === "undefined") { return; }

  var cfg = root.dataset;
  var sessionId = Number(cfg.sessionId);
  var me = Number(cfg.userId);
  var moderates = cfg.moderates === "1";
  var hosts = cfg.hosts === "1";
  // Every word the room shows comes from the page scripts' one catalogue (static/js/i18n.js: _ and ngettext), in
  // the reader's language; counts take the plural form her language needs ("1 voto", "2 votos").
  var CONNECTION = { connecting: _("Connecting…"), connected: _("Connected"), reconnecting: _("Connection lost. Reconnecting…"),
                     offline: _("Offline. Trying again…") };
  var ROOM_STATUS = { scheduled: _("Not open yet"), open: _("Open"), closed: _("Closed (read-only)") };
  var QUESTION_STATUS = { pending: _("Waiting for a moderator"), visible: _("Open"), answered: _("Answered"), dismissed: _("Dismissed") };
  var ROLE = { host: _("host"), moderator: _("moderator"), panelist: _("panelist"), participant: _("participant") };
  var REASONS = { duplicate: _("Already asked (a duplicate)"), off_topic: _("Off topic for this session"),
                  answered_elsewhere: _("Answered elsewhere in the session"), not_a_question: _("Not a question"),
                  other: _("Another reason") };
  var SENDING = _("Sending…");
  var CAUGHT_UP = _("Back online: you are up to date.");
  var clock;
  try {
    // The server's one way of writing a time (exchange/common/timefmt.py: clock): the locale's hour, no seconds.
    clock = new Intl.DateTimeFormat(cfg.locale, { timeZone: cfg.timezone, hour: "numeric", minute: "2-digit", hour12: cfg.hour12 === "1" });
  } catch (e) {
    clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  }

  var state = {
    status: cfg.status, lastSeq: null, joined: false, buffer: [],
    chat: new Map(), questions: new Map(), polls: new Map(), hands: new Map(),
    voted: new Set(), mine: new Set(), choices: new Map(), drafts: new Map(), myHand: false, mutedUntil: null,
    mutes: new Map(), chatMore: false
  };
  // How long to wait: the page reads these from the server's config (LIVE_RECONNECT_*, LIVE_ACK_TIMEOUT), so a
  // test can make a failed reconnect attempt take a moment instead of seconds.
  function ms(value, fallback) { var n = Number(value); return n > 0 ? n : fallback; }
  var tune = { delay: ms(cfg.reconnectDelay, 1000), max: ms(cfg.reconnectMax, 10000), ack: ms(cfg.ackTimeout, 15000) };

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; } else if (key === "on") {
        Object.keys(value).forEach(function (name) { node.addEventListener(name, value[name]); });
      } else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }
  function time(iso) {
    return iso ? el("time", { datetime: iso, text: clock.format(new Date(iso)) }) : null;
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function announce(text) {
    var region = $("live-announce");
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  function showPresence(count) {
    $("live-presence").textContent = ngettext("%(num)d here", "%(num)d here", count, { num: count });
  }
  function showError(message) {
    var box = $("live-error");
    box.textContent = _("Could not do that: %(message)s", { message: message });
    box.hidden = false;
    window.clearTimeout(showError.timer);
    showError.timer = window.setTimeout(function () { box.hidden = true; }, 8000);
  }
  // Re-render a list without losing the keyboard focus of a control inside it.
  function keepFocus(container, render) {
    var active = document.activeElement;
    var key = active && container.contains(active) ? active.getAttribute("data-key") : null;
    render();
    if (key && document.activeElement !== active) {
      var again = container.querySelector('[data-key="' + key + '"]');
      if (again) { again.focus(); }
    }
  }

  // --- what changed since the last render -------------------------------------------------------------------------
  // An event changes one object, and only its item is built again: the others keep their nodes (and the focus and
  // scroll position in them). A part is false (unchanged), a Set of ids (those items; an empty Set only puts the
  // list in order again) or true (all of it: a snapshot, the room opening or closing).
  var dirty = clean();
  function clean() { return { status: false, chat: false, questions: false, polls: false, hands: false, myHand: false, outbox: false }; }
  function touch(part, id) {
    if (dirty[part] === true) { return; }
    if (id === undefined) { dirty[part] = true; return; }
    if (!dirty[part]) { dirty[part] = new Set(); }
    if (id !== null) { dirty[part].add(id); }
  }
  function touchAll() { Object.keys(dirty).forEach(function (part) { dirty[part] = true; }); }
  // The room opened or closed: every control that votes, answers or sends follows.
  function touchStatus() { ["status", "questions", "polls", "myHand"].forEach(function (part) { touch(part); }); }
  // Where a waiting item shows: its question's vote, its poll's ballot, the hand button, the boxes of what is sent.
  function touchQueued(item) {
    if (item.event === "question.vote") { touch("questions", item.payload.question_id); }
    else if (item.event === "poll.vote") { touch("polls", item.payload.poll_id); }
    else if (item.event === "hand.raise") { touch("myHand"); }
    else { touch("outbox"); }
  }

  // --- what the person did, kept until the server has it ----------------------------------------------------------
  // Every chat message, question, vote, ballot and hand waits here (in this tab's sessionStorage, so a reload
  // keeps it) until its ack. Chat and questions carry a client_id (a resend returns the first result); votes,
  // ballots and hands set a value, so a newer click replaces a waiting older one and sending twice is harmless.
  var storeKey = "live:" + sessionId + ":" + me + ":";
  function stored(name, fallback) {
    try { var raw = window.sessionStorage.getItem(storeKey + name); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
  }
  function store(name, value) {
    try { window.sessionStorage.setItem(storeKey + name, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }
  var queue = stored("queue", []);      // [{id, key, event, payload}], oldest first
  if (!Array.isArray(queue)) { queue = []; }
  var waitUntil = {};                   // event name -> time (ms) before which it is not sent again (rate limit)
  var inflight = null;                  // the one item sent and not yet answered
  var pumpTimer = null;

  function enqueue(event, payload, key) {
    var item = { id: newId(), key: key || null, event: event, payload: payload };
    payload.session_id = sessionId;
    if (event === "chat.send" || event === "question.ask") { payload.client_id = item.id; }
    var at = key ? queue.findIndex(function (q) { return q.key === key && q !== inflight; }) : -1;
    if (at >= 0) { queue[at] = item; } else { queue.push(item); }
    store("queue", queue);
    touchQueued(item);
    render();
    pump();
  }
  function pending(key) {
    for (var i = queue.length - 1; i >= 0; i--) { if (queue[i].key === key) { return queue[i]; } }
    return null;
  }
  function unqueue(item) {
    queue = queue.filter(function (q) { return q.id !== item.id; });
    store("queue", queue);
    touchQueued(item);
  }

  // Send the oldest item whose kind is not waiting out a rate limit; one at a time, so chat keeps its order.
  function pump() {
    window.clearTimeout(pumpTimer);
    if (inflight || !socket.connected || !state.joined) { renderNotes(); return; }
    var now = Date.now(), soonest = Infinity, item = null;
    for (var i = 0; i < queue.length && !item; i++) {
      var until = waitUntil[queue[i].event] || 0;
      if (until > now) { soonest = Math.min(soonest, until); } else { item = queue[i]; }
    }
    renderNotes();
    if (!item) {
      if (soonest < Infinity) { pumpTimer = window.setTimeout(pump, soonest - now + 20); }
      return;
    }
    inflight = item;
    socket.timeout(tune.ack).emit(item.event, item.payload, function (err, ack) {
      if (inflight !== item) { return; } // the link dropped meanwhile: the item is sent again after the re-join
      inflight = null;
      if (err) { if (socket.connected) { socket.disconnect(); } return; } // no answer: a dead link; reconnect
      answered(item, ack);
    });
  }

  function answered(item, ack) {
    var error = ack.ok ? null : (ack.error || {});
    if (error && (error.code === "rate_limited" || error.code === "internal")) {
      var wait = typeof error.retry_after === "number" && error.retry_after >= 0 ? error.retry_after : 3;
      waitUntil[item.event] = Date.now() + wait * 1000;
      pump();
      return;
    }
    if (error && error.code === "unauthenticated") { showError(error.message); return; } // kept for after login
    unqueue(item);
    if (error) {
      if (error.code === "muted" && error.until) {
        setMuted(error.until); // the banner says it, with the time: no second box saying it again
        announce(mutedText());
      } else {
        showError(error.message);
      }
      giveBack(item);
    } else {
      done(item, ack);
    }
    render();
    pump();
  }

  // What the server did with it (a vote, ballot or hand shows where `unqueue` touched; a message or question is new).
  function done(item, ack) {
    var p = item.payload;
    switch (item.event) {
      case "chat.send":
        keep(state.chat, ack.message.id, ack.message, ack.seq || 0);
        touch("chat", ack.message.id);
        break;
      case "question.ask":
        state.mine.add(ack.question.id);
        keep(state.questions, ack.question.id, ack.question, ack.seq || 0);
        touch("questions", ack.question.id);
        break;
      case "question.vote":
        if (ack.voted) { state.voted.add(p.question_id); } else { state.voted.delete(p.question_id); }
        var stored_ = state.questions.get(p.question_id);
        if (stored_ && (!ack.seq || ack.seq >= (stored_._seq || 0))) { stored_.votes = ack.votes; }
        break;
      case "poll.vote":
        state.choices.set(p.poll_id, ack.choices);
        state.drafts.delete(p.poll_id);
        keep(state.polls, p.poll_id, ack.poll, ack.seq || (state.polls.get(p.poll_id) || {})._seq || 0);
        announce(_("Your choice is saved."));
        break;
      case "hand.raise":
        state.myHand = ack.raised;
        break;
    }
  }

  // A refused message or question goes back into its box, so that nothing typed is lost.
  function giveBack(item) {
    var field = item.event === "chat.send" ? $("chat-body") : item.event === "question.ask" ? $("question-body") : null;
    if (!field) { return; }
    field.value = field.value ? item.payload.body + "\n" + field.value : item.payload.body;
    field.dispatchEvent(new Event("input"));
  }

  // --- connection ---------------------------------------------------------------------------------------------
  // Reconnecting is ours, not the library's: at once when the browser says the link is back (or the page is
  // shown again), otherwise after an exponential backoff with jitter, and a join that times out waits its turn
  // like any failed attempt.
  var socket = io(cfg.namespace, { reconnection: false });
  var retry = { attempts: 0, timer: null };

  function reconnect(now) {
    window.clearTimeout(retry.timer);
    if (socket.connected) { return; }
    var wait = now ? 0 : Math.min(tune.max, tune.delay * Math.pow(2, retry.attempts)) * (0.5 + Math.random());
    retry.attempts += 1;
    $("live-conn").dataset.attempts = String(retry.attempts);
    retry.timer = window.setTimeout(function () { if (!socket.connected) { socket.connect(); } }, wait);
  }
  function linkLost() {
    state.joined = false;
    inflight = null;
    setConnection(navigator.onLine === false ? "offline" : "reconnecting");
    reconnect(false);
    renderNotes();
  }

  function setConnection(name) {
    var badge = $("live-conn");
    badge.dataset.state = name;
    badge.textContent = CONNECTION[name];
  }

  socket.on("connect", function () {
    state.joined = false;
    state.buffer = [];
    var payload = { session_id: sessionId };
    if (state.lastSeq !== null) { payload.after_seq = state.lastSeq; }
    socket.timeout(tune.ack).emit("join", payload, function (err, ack) {
      if (err) { socket.disconnect(); return; } // counted as a failed attempt: the backoff decides when again
      if (!ack.ok) { setConnection("offline"); showError(ack.error.message); return; }
      var wasBack = state.lastSeq !== null;
      retry.attempts = 0;
      onJoined(ack);
      setConnection("connected");
      if (wasBack) { announce(ack.reset ? _("Many things happened while you were away; the room was reloaded.") : CAUGHT_UP); }
      pump(); // what waited is sent now, after the re-join, oldest first
    });
  });
  socket.on("disconnect", linkLost);
  socket.on("connect_error", linkLost);
  // The browser knows at once when the link drops; the heartbeat would take up to 45 s to notice. Close the
  // socket now (what the person does waits in the queue) and reconnect, with replay from lastSeq, when it is back.
  window.addEventListener("offline", function () {
    if (socket.connected) { socket.disconnect(); } else { setConnection("offline"); }
  });
  window.addEventListener("online", function () { retry.attempts = 0; reconnect(true); });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !socket.connected) { reconnect(true); } // a phone woken up: do not wait out the backoff
  });
  socket.on("room.event", function (event) {
    if (event.session_id !== sessionId) { return; }
    if (!state.joined) { state.buffer.push(event); return; }
    apply(event, true);
    render();
  });
  socket.on("presence", function (data) {
    if (data.session_id === sessionId) { showPresence(data.count); }
  });

  function onJoined(ack) {
    if (ack.snapshot) {
      load(ack.snapshot);
      state.lastSeq = ack.last_seq; // a reset may also mean the room's log started over
    } else {
      ack.events.forEach(function (event) { apply(event, false); });
      state.lastSeq = Math.max(state.lastSeq || 0, ack.last_seq);
    }
    if (state.status !== ack.status) { state.status = ack.status; touchStatus(); }
    state.joined = true;
    state.buffer.forEach(function (event) { apply(event, true); });
    state.buffer = [];
    render();
  }

  function load(snap) {
    state.chat.clear(); state.questions.clear(); state.polls.clear(); state.hands.clear();
    state.voted.clear(); state.mine.clear(); state.choices.clear();
    snap.chat.forEach(function (m) { state.chat.set(m.id, m); });
    state.chatMore = !!snap.chat_more;
    snap.questions.forEach(function (q) {
      state.questions.set(q.id, q);
      if (q.voted) { state.voted.add(q.id); }
      if (q.mine) { state.mine.add(q.id); }
    });
    snap.polls.forEach(function (p) { state.polls.set(p.id, p); state.choices.set(p.id, p.my_choices); });
    snap.hands.forEach(function (h) { state.hands.set(h.user.id, h); });
    state.myHand = state.hands.has(me);
    setMuted(snap.muted_until);
    state.mutes.clear();
    Object.keys(snap.mutes || {}).forEach(function (id) { state.mutes.set(Number(id), snap.mutes[id]); });
    showPresence(snap.presence);
    touchAll(); // a new picture of the room: every list is built again, and what is gone from it goes
  }

  // Keep the newest version of each object: an older event arriving late must not undo a newer one.
  function keep(map, id, obj, seq) {
    var old = map.get(id);
    if (old && old._seq && old._seq > seq) { return false; }
    obj._seq = seq;
    map.set(id, obj);
    return true;
  }

  function apply(event, live) {
    if (state.lastSeq !== null && event.seq <= state.lastSeq && !live) { return; }
    var d = event.data;
    switch (event.type) {
      case "chat.posted":
        if (live && !state.chat.has(d.message.id) && d.message.author.id !== me) { arrived("chat"); }
        keep(state.chat, d.message.id, d.message, event.seq); // the chat list is a live region: it announces
        touch("chat", d.message.id);
        break;
      case "chat.deleted":
        var gone = state.chat.get(d.message_id);
        if (gone) { gone.deleted = true; gone.body = ""; touch("chat", d.message_id); }
        break;
      case "question.asked":
      case "question.updated":
        var before = state.questions.get(d.question.id);
        var isNew = !before;
        if (keep(state.questions, d.question.id, d.question, event.seq) && live) {
          if (isNew && d.question.status !== "pending") { announce(_("New question: %(text)s", { text: d.question.body })); }
          if (isNew && (moderates || d.question.status !== "pending") && !state.mine.has(d.question.id)) { arrived("questions"); }
          if (!isNew && before.status !== "answered" && d.question.status === "answered" && state.mine.has(d.question.id)) {
            arrived("questions");
            cue(_("Your question was answered: %(text)s", { text: d.question.body }), "questions");
          }
        }
        touch("questions", d.question.id);
        break;
      case "poll.opened":
      case "poll.updated":
      case "poll.closed":
        keep(state.polls, d.poll.id, d.poll, event.seq);
        touch("polls", d.poll.id);
        if (live && event.type === "poll.opened") {
          arrived("polls");
          cue(_("A poll opened: %(prompt)s", { prompt: d.poll.prompt }), "polls");
        }
        if (live && event.type === "poll.closed") { announce(_("Poll closed: %(prompt)s", { prompt: d.poll.prompt })); }
        break;
      case "hand.changed":
        if (d.raised) { state.hands.set(d.user.id, { user: d.user, raised: true, at: event.at }); } else { state.hands.delete(d.user.id); }
        touch("hands", d.user.id);
        if (d.user.id === me) { state.myHand = d.raised; touch("myHand"); }
        if (live && d.raised && moderates && d.user.id !== me) {
          announce(_("%(name)s raised a hand", { name: d.user.name }));
          arrived("video"); // the hands are under the video
        }
        break;
      case "mute.changed":
        if (d.user.id === me) { setMuted(d.muted_until); announce(mutedText() || CAUGHT_UP); }
        if (d.muted_until) { state.mutes.set(d.user.id, d.muted_until); } else { state.mutes.delete(d.user.id); }
        break;
      case "room.status":
        state.status = d.status;
        touchStatus();
        announce(ROOM_STATUS[d.status] || d.status);
        break;
    }
    state.lastSeq = Math.max(state.lastSeq || 0, event.seq);
  }

  // --- sending ------------------------------------------------------------------------------------------------
  // Moderators' and hosts' tools: sent now, and said so when they could not be.
  function send(event, payload, onOk) {
    payload.session_id = sessionId;
    socket.timeout(tune.ack).emit(event, payload, function (err, ack) {
      if (err) { showError(CONNECTION.offline); return; }
      if (!ack.ok) { showError(ack.error.message); return; }
      if (onOk) { onOk(ack); }
      render();
    });
  }

  // A text box whose words survive a reload (kept in sessionStorage as they are typed).
  function textForm(formId, fieldId, submit) {
    var form = $(formId);
    var field = $(fieldId);
    if (!form) { return; }
    var name = "draft-" + fieldId;
    if (!field.value) { field.value = stored(name, ""); }
    field.addEventListener("input", function () { store(name, field.value); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = field.value.trim();
      if (!text) { field.focus(); return; }
      field.value = "";
      store(name, "");
      submit(text);
    });
    field.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && formId === "chat-form") {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
  }

  textForm("chat-form", "chat-body", function (text) { enqueue("chat.send", { body: text }); });
  textForm("question-form", "question-body", function (text) {
    enqueue("question.ask", { body: text, anonymous: $("question-anon").checked });
  });
  $("question-sort").addEventListener("change", function () { touch("questions", null); render(); }); // order only
  $("hand-toggle").addEventListener("click", function () {
    enqueue("hand.raise", { raised: !myHand() }, "hand");
  });
  if ($("poll-form")) {
    $("poll-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var options = $("poll-options").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      send("poll.open", { prompt: $("poll-prompt").value, options: options, multiple: $("poll-multiple").checked,
                          client_id: newId() }, function () {
        $("poll-form").reset();
        $("poll-form").closest("details").open = false;
      });
    });
  }
  if ($("room-open")) {
    $("room-open").addEventListener("click", function () { send("room.open", {}); });
    // "Close the room" asks first: the room's one kind of dialog (`ask`); the link's confirmation page where
    // <dialog> is missing.
    $("room-close").addEventListener("click", function (event) {
      var dialog = $("room-close-dialog");
      if (!dialog || typeof dialog.showModal !== "function") { return; }
      event.preventDefault();
      ask("room-close-dialog", function () {}, function () { send("room.close", {}); }, $("room-close"));
      $("room-close-confirm").focus();
    });
  }

  // --- rendering ----------------------------------------------------------------------------------------------
  function button(label, key, onClick, extra) {
    var attrs = { type: "button", "class": "button button--small button--secondary", "data-key": key, text: label, on: { click: onClick } };
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    return el("button", attrs);
  }

  // Bring a list in line with `items` (in this order), each item's node keyed by its data-id: build the items named
  // in `changed` (all when it is true) and the new ones, drop the gone ones, move the misplaced ones; the others keep
  // their nodes, and so does a changed item when `current(node, item)` says its node shows it already. The node shown
  // when there is nothing (`empty()`) has no data-id. The keyboard focus stays put.
  function patchList(list, items, idOf, changed, build, empty, current) {
    keepFocus(list, function () {
      var shown = new Map();
      Array.from(list.children).forEach(function (node) {
        if (node.dataset.id && !shown.has(node.dataset.id)) { shown.set(node.dataset.id, node); } else { list.removeChild(node); }
      });
      var nodes = items.map(function (item) {
        var id = idOf(item), node = shown.get(String(id));
        if (!node || ((changed === true || changed.has(id)) && !(current && current(node, item)))) {
          var fresh = build(item);
          if (node) { list.replaceChild(fresh, node); }
          node = fresh;
        }
        shown.delete(String(id));
        return node;
      });
      shown.forEach(function (node) { list.removeChild(node); });
      nodes.forEach(function (node, i) {
        if (list.children[i] !== node) { list.insertBefore(node, list.children[i] || null); }
      });
      if (!items.length && empty) { list.appendChild(empty()); }
    });
  }

  function renderChat(changed) {
    var box = $("chat-log"); // the scrolling live region around the list (a log role would hide the list's items)
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    var messages = Array.from(state.chat.values()).sort(function (a, b) { return a.id - b.id; });
    // A message's node is replaced only when it is deleted: the log's live region reads out every node put in it,
    // and a message can come twice (the sender's ack and the event, a replay after a reconnect).
    patchList($("chat-list"), messages, function (m) { return m.id; }, changed, chatItem, null, function (node, m) {
      return node.dataset.sig === chatSignature(m);
    });
    if (atBottom) { box.scrollTop = box.scrollHeight; }
    $("chat-earlier").hidden = !state.chatMore;
  }

  function roleName(role) {
    return ROLE[role] || role;
  }

  function chatSignature(m) { return m.deleted ? "deleted" : "shown"; }

  function chatItem(m) {
    var mine = m.author.id === me;
    var head = el("p", { "class": "live-meta" }, [
      el("strong", { text: mine ? _("%(name)s (you)", { name: m.author.name }) : m.author.name }),
      m.author.role !== "participant" ? el("span", { "class": "pill", text: roleName(m.author.role) }) : null,
      time(m.at)
    ]);
    var body = m.deleted ? el("p", { "class": "help", text: _("Message deleted by a moderator.") }) : el("p", { "class": "live-body", text: m.body });
    var tools = null;
    if (moderates && !m.deleted) {
      var mutable = !mine && (m.author.role === "participant" || m.author.role === "panelist");
      // One compact menu per message; its actions are built when it opens, from the room as it is then.
      tools = menu("chat-" + m.id, _("Moderate the message from %(name)s", { name: m.author.name }), function () {
        return [
          menuItem(_("Delete the message"), function () { send("chat.delete", { message_id: m.id }); }),
          mutable ? menuItem(_("Mute…"), function (trigger) { askMute(m.author, trigger); }) : null,
          mutable && mutedUntil(m.author.id) ? menuItem(_("Unmute"), function () {
            send("chat.mute", { user_id: m.author.id, minutes: 0 }, function () { announce(_("%(name)s can chat and ask again.", { name: m.author.name })); });
          }) : null
        ];
      });
    }
    return el("li", { "class": "live-item" + (mine ? " live-item--mine" : ""), "data-id": m.id, "data-sig": chatSignature(m) }, [head, tools, body]);
  }

  // --- moderation menus and dialogs ---------------------------------------------------------------------------
  // A per-item menu (a disclosure: keyboard reachable, named for screen readers); Escape closes it and gives the
  // focus back to its button. Its items are made when it opens, so they follow what changed since.
  function menu(key, label, items) {
    var list = el("div", { "class": "live-menu-items", role: "group", "aria-label": label });
    var summary = el("summary", { "class": "live-menu-button", "aria-label": label, title: label, "data-key": "menu-" + key },
                     [el("span", { "aria-hidden": "true", text: "⋯" })]);
    var details = el("details", { "class": "live-menu" }, [summary, list]);
    details.addEventListener("toggle", function () {
      if (!details.open) { return; }
      list.textContent = "";
      items().forEach(function (item) { if (item) { list.appendChild(item); } });
      var first = list.querySelector("button");
      if (first) { first.focus(); }
    });
    details.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && details.open) { e.preventDefault(); details.open = false; summary.focus(); }
    });
    return details;
  }
  function menuItem(label, onChoose) {
    return el("button", { type: "button", "class": "live-menu-item", text: label, on: { click: function (e) {
      var details = e.target.closest("details");
      var summary = details ? details.querySelector("summary") : null;
      if (details) { details.open = false; }
      onChoose(summary);
    } } });
  }
  function mutedUntil(userId) {
    var until = state.mutes.get(userId);
    return until && new Date(until) > new Date() ? until : null;
  }
  // A dialog from the page (its words come translated from the server); OK sends, Cancel or Escape changes
  // nothing; the focus goes back to the menu that opened it.
  function ask(dialogId, prepare, onOk, trigger) {
    var dialog = $(dialogId);
    var form = dialog.querySelector("form");
    form.reset();
    prepare(dialog);
    dialog.returnValue = "";
    dialog.addEventListener("close", function closed() {
      dialog.removeEventListener("close", closed);
      if (dialog.returnValue === "ok") { onOk(new FormData(form)); }
      if (trigger && document.body.contains(trigger)) { trigger.focus(); }
    });
    dialog.showModal();
  }
  function askMute(person, trigger) {
    ask("mute-dialog", function () { $("mute-dialog-name").textContent = person.name; }, function (data) {
      var choice = data.get("minutes");
      var minutes = parseInt(choice, 10);
      if (choice === "rest") { // until the session ends (at least 5 minutes; a mute lasts at most a day)
        minutes = Math.min(24 * 60, Math.max(5, Math.ceil((new Date(cfg.endsAt) - new Date()) / 60000)));
      }
      send("chat.mute", { user_id: person.id, minutes: minutes }, function () {
        announce(_("%(name)s is muted.", { name: person.name }));
      });
    }, trigger);
  }

  // The open question with the most votes (the earliest of equals): highlighted, and named in the moderators' glance.
  var topId = null;
  function topQuestion() {
    var best = null;
    state.questions.forEach(function (q) {
      if (q.status === "visible" && (!best || q.votes > best.votes || (q.votes === best.votes && q.id < best.id))) { best = q; }
    });
    return best;
  }

  function renderQuestions(changed) {
    var top = topQuestion();
    var newTop = top ? top.id : null;
    if (newTop !== topId && changed !== true) { // the highlight moves: both items are built again
      changed = changed instanceof Set ? changed : new Set();
      if (topId !== null) { changed.add(topId); }
      if (newTop !== null) { changed.add(newTop); }
    }
    topId = newTop;
    var byVotes = $("question-sort").value === "votes";
    var shown = Array.from(state.questions.values()).filter(function (q) {
      return moderates || q.status === "visible" || q.status === "answered" || state.mine.has(q.id);
    });
    var rank = { pending: 0, visible: 1, answered: 2, dismissed: 3 };
    shown.sort(function (a, b) {
      if (a.pinned !== b.pinned) { return a.pinned ? -1 : 1; }
      if (rank[a.status] !== rank[b.status]) { return rank[a.status] - rank[b.status]; }
      if (byVotes && a.votes !== b.votes) { return b.votes - a.votes; }
      return b.id - a.id;
    });
    patchList($("question-list"), shown, function (q) { return q.id; }, changed, questionItem, function () {
      return el("li", { "class": "help", text: _("No questions yet.") });
    });
  }

  // Questions (asking and voting) open before the session: while the room is scheduled and the session has not
  // ended (the server's rule: rules.require_open); chat, polls and hands wait for the room to open.
  function questionsOpen() {
    return state.status === "open" || (state.status === "scheduled" && new Date(cfg.endsAt) > new Date());
  }

  function questionItem(q) {
    var waiting = pending("vote:" + q.id);
    var voted = waiting ? waiting.payload.value === 1 : state.voted.has(q.id);
    var canVote = questionsOpen() && (q.status === "visible" || q.status === "answered");
    var vote = el("button", {
      type: "button", "class": "live-vote", "data-key": "vote-" + q.id, "aria-pressed": voted ? "true" : "false",
      disabled: !canVote, "aria-label": (voted ? _("Voted") : _("Vote")) + " — " + ngettext("%(num)d vote", "%(num)d votes", q.votes, { num: q.votes }) +
        (waiting ? " — " + SENDING : ""),
      on: { click: function () { enqueue("question.vote", { question_id: q.id, value: voted ? 0 : 1 }, "vote:" + q.id); } }
    }, [el("span", { "aria-hidden": "true", text: "▲ " + (q.votes + (voted === state.voted.has(q.id) ? 0 : voted ? 1 : -1)) })]);
    var who = q.author ? q.author.name + (q.anonymous ? " (" + _("anonymous to others") + ")" : "") : _("Anonymous");
    if (state.mine.has(q.id) && !q.author) { who = _("%(name)s (you)", { name: _("Anonymous") }); }
    var meta = el("p", { "class": "live-meta" }, [
      el("span", { text: who }), time(q.at),
      q.status !== "visible" ? el("span", { "class": "pill pill--" + q.status, text: QUESTION_STATUS[q.status] || q.status }) : null,
      q.pinned ? el("span", { "class": "pill", text: _("Pinned") }) : null,
      q.early ? el("span", { "class": "pill pill--early", text: _("Asked before the session") }) : null,
      q.id === topId ? el("span", { "class": "pill pill--top", text: _("Top question") }) : null,
      waiting ? el("span", { "class": "live-sending", text: SENDING }) : null
    ]);
    var parts = [meta, el("p", { "class": "live-body", text: q.body })];
    if (q.answer) { parts.push(el("p", { "class": "live-answer", text: _("Answer: %(text)s", { text: q.answer }) })); }
    var reason = [REASONS[q.reason_code], q.reason].filter(Boolean).join(" — ");
    if (reason) { parts.push(el("p", { "class": "help", text: _("Reason: %(text)s", { text: reason }) })); }
    if (moderates) { parts.push(moderation(q)); }
    return el("li", { "class": "live-item live-q" + (q.id === topId ? " live-q--top" : ""), "data-id": q.id },
              [vote, el("div", { "class": "live-q-main" }, parts)]);
  }

  function moderation(q) {
    function act(action, extra) {
      var payload = { question_id: q.id, action: action };
      Object.keys(extra || {}).forEach(function (k) { payload[k] = extra[k]; });
      send("question.moderate", payload);
    }
    function askAnswer(trigger) {
      ask("answer-dialog", function () {
        $("answer-dialog-question").textContent = q.body;
        $("answer-text").value = q.answer || "";
      }, function (data) { act("answer", { answer: data.get("answer") || "" }); }, trigger);
    }
    function askDismiss(trigger) {
      ask("dismiss-dialog", function () { $("dismiss-dialog-question").textContent = q.body; }, function (data) {
        act("dismiss", { reason_code: data.get("reason_code") || "", reason: data.get("reason") || "" });
      }, trigger);
    }
    var tools = [];
    if (q.status === "pending") { tools.push(button(_("Approve"), "approve-" + q.id, function () { act("approve"); })); }
    tools.push(menu("q-" + q.id, _("Moderate the question: %(text)s", { text: q.body.slice(0, 60) }), function () {
      var items = [];
      if (q.status !== "dismissed") {
        items.push(menuItem(q.status === "answered" ? _("Edit the written answer…") : _("Mark answered…"), askAnswer));
        items.push(menuItem(_("Dismiss…"), askDismiss));
      }
      if (q.status === "visible" || q.status === "answered") {
        items.push(menuItem(q.pinned ? _("Unpin") : _("Pin"), function () { act(q.pinned ? "unpin" : "pin"); }));
      }
      if (q.status === "answered" || q.status === "dismissed") { items.push(menuItem(_("Reopen"), function () { act("reopen"); })); }
      return items;
    }));
    return el("p", { "class": "live-tools" }, tools);
  }

  function renderPolls(changed) {
    var polls = Array.from(state.polls.values()).sort(function (a, b) {
      return (a.status === b.status ? 0 : a.status === "open" ? -1 : 1) || b.id - a.id;
    });
    patchList($("poll-list"), polls, function (p) { return p.id; }, changed, pollItem, function () {
      return el("p", { "class": "help", text: _("No polls yet.") });
    });
  }

  function pollItem(p) {
    var open = p.status === "open" && state.status === "open";
    var waiting = pending("ballot:" + p.id);
    var saved = waiting ? waiting.payload.choices : state.choices.get(p.id) || [];
    var draft = state.drafts.get(p.id) || new Set(saved);
    var kind = p.multiple ? "checkbox" : "radio";
    var options = p.options.map(function (o) {
      var id = "poll-" + p.id + "-" + o.id;
      var input = el("input", { type: kind, id: id, name: "poll-" + p.id, value: o.id, "data-key": id, checked: draft.has(o.id),
        disabled: !open, on: { change: function (e) {
          var next = p.multiple ? new Set(draft) : new Set();
          if (e.target.checked) { next.add(o.id); } else { next.delete(o.id); }
          state.drafts.set(p.id, next);
          draft = next;
        } } });
      return el("li", { "class": "live-option" }, [
        input, el("label", { "for": id, text: o.label + " — " + ngettext("%(num)d vote", "%(num)d votes", o.votes, { num: o.votes }) }),
        el("progress", { max: Math.max(p.voters, 1), value: o.votes, "aria-hidden": "true" })
      ]);
    });
    var parts = [el("legend", { text: p.prompt }), el("ul", { "class": "live-options" }, options),
                 el("p", { "class": "help", text: ngettext("%(num)d voted", "%(num)d voted", p.voters, { num: p.voters }) +
                   (p.status === "closed" ? " · " + ROOM_STATUS.closed : "") }),
                 waiting ? el("p", { "class": "live-sending", text: SENDING }) : null];
    var tools = [];
    if (open) {
      tools.push(el("button", { type: "button", "class": "button button--small", "data-key": "cast-" + p.id, text: _("Submit my choice"),
        on: { click: function () {
          var picked = Array.from(state.drafts.get(p.id) || new Set(saved));
          state.drafts.delete(p.id);
          enqueue("poll.vote", { poll_id: p.id, choices: picked }, "ballot:" + p.id);
        } } }));
    }
    if (moderates && p.status === "open") {
      tools.push(button(_("Close poll"), "close-" + p.id, function () { send("poll.close", { poll_id: p.id }); }));
    }
    parts.push(el("p", { "class": "live-tools" }, tools));
    return el("fieldset", { "class": "live-poll", "data-id": p.id }, parts);
  }

  function myHand() {
    var waiting = pending("hand");
    return waiting ? waiting.payload.raised : state.myHand;
  }

  function renderHandToggle() {
    var toggle = $("hand-toggle");
    var raised = myHand();
    toggle.setAttribute("aria-pressed", raised ? "true" : "false");
    toggle.textContent = raised ? _("Lower hand") : _("Raise hand");
    toggle.disabled = state.status !== "open";
    $("hand-note").textContent = pending("hand") ? SENDING : "";
  }

  // The raised hands, in the order they went up (moderators only).
  function renderHands(changed) {
    var list = $("hand-list");
    if (!list) { return; }
    patchList(list, Array.from(state.hands.values()), function (h) { return h.user.id; }, changed, handItem, function () {
      return el("li", { "class": "help", text: _("No hands raised.") });
    });
  }

  function handItem(h) {
    return el("li", { "class": "live-item", "data-id": h.user.id }, [
      el("span", { text: h.user.name + " " }), time(h.at), el("span", { text: " " }),
      button(_("Lower %(name)s's hand", { name: h.user.name }), "lower-" + h.user.id, function () {
        send("hand.lower", { user_id: h.user.id });
      })
    ]);
  }

  function renderStatus() {
    var open = state.status === "open";
    $("live-status").textContent = ROOM_STATUS[state.status] || state.status;
    root.dataset.status = state.status;
    ["chat-form", "question-form", "poll-form"].forEach(function (id) {
      var form = $(id);
      if (!form) { return; }
      var on = id === "question-form" ? questionsOpen() : open;
      Array.from(form.elements).forEach(function (control) { control.disabled = !on; });
    });
    $("question-early").hidden = !(state.status === "scheduled" && questionsOpen());
    if (hosts) {
      $("room-open").hidden = open;
      $("room-close").hidden = !open;
    }
  }

  // What waits to be sent: chat and questions below their boxes, a line on what holds them up.
  function renderOutbox(listId, event, emptyText) {
    var list = $(listId);
    list.textContent = "";
    queue.forEach(function (item) {
      if (item.event !== event) { return; }
      list.appendChild(el("li", { "class": "live-item live-item--mine live-item--sending", "data-client-id": item.id }, [
        el("p", { "class": "live-meta" }, [el("span", { "class": "live-sending", text: SENDING })]),
        el("p", { "class": "live-body", text: item.payload.body })
      ]));
    });
    list.hidden = !list.childNodes.length;
  }

  function renderNotes() {
    var now = Date.now();
    var slow = function (event) {
      return (waitUntil[event] || 0) > now ? queue.filter(function (q) { return q.event === event; }).length : 0;
    };
    function note(id, n, text) {
      var node = $(id);
      node.textContent = n ? text : "";
      node.hidden = !n;
    }
    var chat = slow("chat.send"), asked = slow("question.ask");
    var others = slow("question.vote") + slow("poll.vote") + slow("hand.raise");
    note("chat-queue", chat, ngettext("Sending more slowly: %(num)d waiting", "Sending more slowly: %(num)d waiting", chat, { num: chat }));
    note("question-queue", asked, ngettext("Sending more slowly: %(num)d waiting", "Sending more slowly: %(num)d waiting", asked, { num: asked }));
    var kept = state.joined ? 0 : queue.length;
    note("live-queue", kept || others, kept ?
      ngettext("%(num)d thing you did is kept here and will be sent when the connection is back.",
               "%(num)d things you did are kept here and will be sent when the connection is back.", kept, { num: kept }) :
      ngettext("Sending more slowly: %(num)d waiting", "Sending more slowly: %(num)d waiting", others, { num: others }));
    if (chat || asked || others) { window.clearTimeout(renderNotes.timer); renderNotes.timer = window.setTimeout(renderNotes, 1000); }
  }

  // --- muted --------------------------------------------------------------------------------------------------
  // The end of a mute, written with the room's one clock (the viewer's zone and language); the day too when it
  // is not today for her.
  var day = new Intl.DateTimeFormat(clock.resolvedOptions().locale, { timeZone: clock.resolvedOptions().timeZone, dateStyle: "medium" });
  function mutedText() {
    if (!state.mutedUntil) { return ""; }
    var until = new Date(state.mutedUntil);
    var when = clock.format(until);
    if (day.format(until) !== day.format(new Date())) {
      when = new Intl.DateTimeFormat(clock.resolvedOptions().locale, { timeZone: clock.resolvedOptions().timeZone,
        weekday: "long", hour: "numeric", minute: "2-digit", hour12: cfg.hour12 === "1" }).format(until);
    }
    return _("You are muted until %(time)s. You can still read, vote and answer polls.", { time: when });
  }
  function setMuted(iso) {
    state.mutedUntil = iso && new Date(iso) > new Date() ? iso : null;
    window.clearTimeout(setMuted.timer);
    // The banner at the top, and the same line by the chat and question boxes, where a person on a phone types.
    ["live-muted", "chat-muted", "question-muted"].forEach(function (id) {
      var banner = $(id);
      banner.textContent = mutedText();
      banner.hidden = !state.mutedUntil;
    });
    if (state.mutedUntil) {
      // Checked again at the end (timers longer than ~24 days overflow; a mute lasts at most a day).
      setMuted.timer = window.setTimeout(function () { setMuted(state.mutedUntil); },
        Math.min(new Date(state.mutedUntil) - new Date() + 500, 3600000));
    }
  }

  // What a moderator sees at a glance: questions waiting for approval, hands up, the top open question.
  function renderGlance() {
    var waiting = 0;
    state.questions.forEach(function (q) { if (q.status === "pending") { waiting += 1; } });
    $("glance-pending").textContent = ngettext("%(num)d question waiting for approval", "%(num)d questions waiting for approval", waiting, { num: waiting });
    $("glance-pending").hidden = !waiting;
    var hands = state.hands.size;
    $("glance-hands").textContent = ngettext("%(num)d hand raised", "%(num)d hands raised", hands, { num: hands });
    $("glance-hands").hidden = !hands;
    var top = topQuestion();
    $("glance-top").textContent = top ? _("Top question (%(votes)s): %(text)s", {
      votes: ngettext("%(num)d vote", "%(num)d votes", top.votes, { num: top.votes }),
      text: top.body.length > 90 ? top.body.slice(0, 89) + "…" : top.body }) : "";
  }

  // Render what changed since the last time (see `dirty`), then the notes on what waits to be sent.
  function render() {
    var changed = dirty;
    dirty = clean();
    if (changed.status) { renderStatus(); }
    if (changed.chat) { renderChat(changed.chat); }
    if (changed.questions) { renderQuestions(changed.questions); }
    if (changed.polls) { renderPolls(changed.polls); }
    if (changed.hands) { renderHands(changed.hands); }
    if (changed.myHand) { renderHandToggle(); }
    if (moderates && (changed.questions || changed.hands)) { renderGlance(); }
    if (changed.outbox) {
      renderOutbox("chat-outbox", "chat.send");
      renderOutbox("question-outbox", "question.ask");
    }
    renderNotes();
  }
  // --- earlier chat ---------------------------------------------------------------------------------------------
  // "Load earlier messages" asks for the 100 stored before the oldest one shown (`chat.history`); ids are stable,
  // so the page merges them in. The chat log is a live region: while they go in it is switched off (and busy),
  // so a screen reader does not read out a hundred old messages; the page says how many came instead. The reader
  // keeps her place in the log.
  $("chat-earlier").addEventListener("click", function () {
    var button = $("chat-earlier");
    var oldest = null;
    state.chat.forEach(function (m, id) { if (oldest === null || id < oldest) { oldest = id; } });
    var payload = { session_id: sessionId };
    if (oldest !== null) { payload.before_id = oldest; }
    button.disabled = true;
    socket.timeout(tune.ack).emit("chat.history", payload, function (err, ack) {
      button.disabled = false;
      if (err) { showError(CONNECTION.offline); return; }
      if (!ack.ok) { showError(ack.error.message); return; }
      var log = $("chat-log");
      var fromBottom = log.scrollHeight - log.scrollTop;
      log.setAttribute("aria-live", "off");
      log.setAttribute("aria-busy", "true");
      var added = 0;
      ack.messages.forEach(function (m) {
        if (!state.chat.has(m.id)) { state.chat.set(m.id, m); touch("chat", m.id); added += 1; }
      });
      state.chatMore = ack.more;
      touch("chat", null);
      render();
      log.scrollTop = log.scrollHeight - fromBottom;
      window.setTimeout(function () { log.setAttribute("aria-live", "polite"); log.removeAttribute("aria-busy"); }, 300);
      announce(ngettext("%(num)d earlier message loaded.", "%(num)d earlier messages loaded.", added, { num: added }) +
               (ack.more ? "" : " " + _("This is the start of the chat.")));
      if (!ack.more) { $("chat-log").focus(); } // the button is gone: the focus goes to the log, not the page's top
    });
  });

  // --- a phone: section tabs and cues ---------------------------------------------------------------------------
  // At most 700 px wide (the CSS's media query) the sections become tabs — Chat · Questions · Polls · Video — and
  // only the chosen one shows; each tab counts what came since it was last shown ("Polls, 1 new" for a screen
  // reader). Wider, every section shows as before and the tab bar is hidden. A poll opening, or an answer to
  // one's own question, also shows a cue at the top with a way to its section, and is announced.
  var narrowQuery = window.matchMedia ? window.matchMedia("(max-width: 700px)") : null;
  var TABS = [["chat", "panel-chat", "chat-h"], ["questions", "panel-qa", "qa-h"], ["polls", "panel-polls", "polls-h"],
              ["video", "panel-video", "video-h"]];
  var tabs = { selected: "chat", unread: { chat: 0, questions: 0, polls: 0, video: 0 }, buttons: {}, labels: {}, panels: {} };
  function narrow() { return !!(narrowQuery && narrowQuery.matches); }
  function showCounts() {
    TABS.forEach(function (t) {
      var n = tabs.unread[t[0]], button = tabs.buttons[t[0]];
      button.querySelector(".live-tab-count").textContent = n ? String(n) : "";
      button.querySelector(".visually-hidden").textContent = n ? ", " + ngettext("%(num)d new", "%(num)d new", n, { num: n }) : "";
    });
  }
  function arrived(tab) {
    if (!narrow() || tabs.selected === tab) { return; }
    tabs.unread[tab] += 1;
    showCounts();
  }
  function selectTab(name, focus) {
    var wasChat = tabs.selected === "chat";
    tabs.selected = name;
    TABS.forEach(function (t) {
      var on = t[0] === name, button = tabs.buttons[t[0]];
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      tabs.panels[t[0]].classList.toggle("live-tab-off", !on);
    });
    tabs.unread[name] = 0;
    showCounts();
    if (focus) { tabs.buttons[name].focus(); }
    if (name === "chat" && !wasChat) { $("chat-log").scrollTop = $("chat-log").scrollHeight; } // the newest in view
    if (cueTab === name && narrow()) { hideCue(); }
  }
  function layout() { // the sections are tab panels only while the tabs show
    TABS.forEach(function (t) {
      if (narrow()) { tabs.panels[t[0]].setAttribute("role", "tabpanel"); } else { tabs.panels[t[0]].removeAttribute("role"); }
    });
  }
  var nav = $("live-nav");
  var bar = el("div", { "class": "live-tabs", role: "tablist", "aria-label": _("Room sections") });
  TABS.forEach(function (t) {
    tabs.labels[t[0]] = $(t[2]).textContent; // the sections' own headings, in the reader's language
    tabs.panels[t[0]] = $(t[1]);
    var button = el("button", { type: "button", role: "tab", id: "tab-" + t[0], "class": "live-tab", "aria-controls": t[1],
                                "data-tab": t[0], on: { click: function () { selectTab(t[0], false); } } }, [
      el("span", { text: tabs.labels[t[0]] }), el("span", { "class": "visually-hidden" }),
      el("span", { "class": "live-tab-count", "aria-hidden": "true" })
    ]);
    tabs.buttons[t[0]] = button;
    bar.appendChild(button);
  });
  // Arrow keys move between the tabs (and show the one reached), Home and End go to the first and last.
  bar.addEventListener("keydown", function (e) {
    var at = TABS.map(function (t) { return t[0]; }).indexOf(tabs.selected), to = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { to = (at + 1) % TABS.length; }
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { to = (at + TABS.length - 1) % TABS.length; }
    else if (e.key === "Home") { to = 0; } else if (e.key === "End") { to = TABS.length - 1; }
    if (to === null) { return; }
    e.preventDefault();
    selectTab(TABS[to][0], true);
  });
  nav.appendChild(bar);

  var cueTab = null;
  var cueBox = el("div", { "class": "live-cue", id: "live-cue", hidden: true }, [
    el("p", { id: "live-cue-text" }),
    el("button", { type: "button", id: "live-cue-go", "class": "button button--small", on: { click: function () {
      var tab = cueTab;
      hideCue();
      if (narrow()) { selectTab(tab, true); } else { tabs.panels[tab].scrollIntoView({ block: "start" }); }
    } } }),
    el("button", { type: "button", id: "live-cue-close", "class": "button button--small button--secondary", text: _("Hide this notice"),
                   on: { click: function () { hideCue(); } } })
  ]);
  nav.appendChild(cueBox);
  // The cue is seen; the announcement (the room's one announcer) is what a screen reader hears, once.
  function cue(text, tab) {
    announce(text);
    cueTab = tab;
    $("live-cue-text").textContent = text;
    $("live-cue-go").textContent = _("Go to %(section)s", { section: tabs.labels[tab] });
    cueBox.hidden = false;
  }
  function hideCue() {
    var focused = cueBox.contains(document.activeElement);
    cueBox.hidden = true;
    cueTab = null;
    if (focused && narrow()) { tabs.buttons[tabs.selected].focus(); }
  }
  selectTab("chat", false);
  layout();
  if (narrowQuery) {
    var follow = function () { layout(); if (narrow()) { tabs.unread[tabs.selected] = 0; showCounts(); } };
    if (narrowQuery.addEventListener) { narrowQuery.addEventListener("change", follow); } else { narrowQuery.addListener(follow); }
  }

  // Before the first join (or after a reload while the link is down): show what is still waiting to be sent.
  ["hands", "myHand", "outbox"].forEach(function (part) { touch(part); });
  render();
})();
