// The presenter view (templates/live/present.html): joins the room like live.js (docs/live-protocol.md), keeps the
// questions, and shows the pinned one — or the open question with the most votes — large, for the shared screen.
(function () {
  "use strict";
  var root = document.getElementById("present");
  if (!root || typeof io === "undefined") { return; }
  var sessionId = Number(root.dataset.sessionId);
  var questions = new Map();
  var socket = io(root.dataset.namespace);

  function $(id) { return document.getElementById(id); }
  function shown() {
    var pinned = null, top = null;
    questions.forEach(function (q) {
      if (q.status !== "visible" && q.status !== "answered") { return; }
      if (q.pinned && (!pinned || q.id > pinned.id)) { pinned = q; }
      if (q.status === "visible" && (!top || q.votes > top.votes || (q.votes === top.votes && q.id < top.id))) { top = q; }
    });
    return pinned ? { q: pinned, label: _("Pinned question") } : top ? { q: top, label: _("Top question") } : null;
  }
  function render() {
    var pick = shown();
    var box = $("present-question");
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = pick ? pick.q.body : _("Waiting for questions…");
    box.appendChild(p);
    $("present-label").textContent = pick ? pick.label : "";
    $("present-votes").textContent = pick ? ngettext("%(num)d vote", "%(num)d votes", pick.q.votes, { num: pick.q.votes }) : "";
  }
  socket.on("connect", function () {
    $("present-conn").textContent = _("Connected");
    socket.emit("join", { session_id: sessionId }, function (ack) {
      if (!ack || !ack.ok) { $("present-conn").textContent = ack && ack.error ? ack.error.message : _("Offline. Trying again…"); return; }
      questions.clear();
      (ack.snapshot ? ack.snapshot.questions : []).forEach(function (q) { questions.set(q.id, q); });
      render();
    });
  });
  socket.on("disconnect", function () { $("present-conn").textContent = _("Connection lost. Reconnecting…"); });
  socket.on("room.event", function (event) {
    if (event.session_id !== sessionId) { return; }
    if (event.type === "question.asked" || event.type === "question.updated") {
      var old = questions.get(event.data.question.id);
      if (!old || !old._seq || old._seq <= event.seq) { event.data.question._seq = event.seq; questions.set(event.data.question.id, event.data.question); }
      render();
    }
  });
})();
