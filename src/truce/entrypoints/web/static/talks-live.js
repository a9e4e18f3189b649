// Real time for the talks pages: new messages appear without reload. The server sends
// only what this viewer may read (the same policy as the page); a reconnecting browser
// sends Last-Event-ID and receives what it missed, once.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var lists = document.querySelectorAll("section.channel[data-channel]");
  if (!lists.length) { return; }
  var source = new EventSource("/talks/stream");
  // The session that opened the stream ended (signed out, revoked, expired): the server
  // says so once and closes; reconnecting would only stream as somebody signed out.
  source.addEventListener("end", function () { source.close(); });
  source.addEventListener("message", function (event) {
    var data = JSON.parse(event.data);
    var list = document.getElementById("messages-" + data.channel_id);
    if (!list || document.getElementById("message-" + data.id)) { return; }
    var empty = list.querySelector(".empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "message";
    item.id = "message-" + data.id;
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = data.sent_by + (data.relayed ? " · relayed " + data.relayed : "");
    var text = document.createElement("p");
    text.className = "text";
    text.dir = "auto";
    text.textContent = data.text;
    item.appendChild(meta);
    item.appendChild(text);
    list.appendChild(item);
  });
}());
