/* unstuck help-portal widget: the chat inside the iframe (/widget/frame).
 *
 * The conversation goes through the JSON API (/v1/sessions/...) with a session token that
 * opens this one session. Everything the assistant says is read from the session's event
 * stream, which is stored and numbered: a reload, a second tab or a dropped connection picks
 * up after the last item seen and misses nothing. Markdown is turned into HTML on the server
 * (markdown-it-py, then nh3); what the user typed is only ever set as text.
 */
(function () {
  "use strict";

  var MAX_MESSAGE_CHARS = 20000;
  var RECONNECT_MS = [500, 1000, 2000, 5000, 10000];
  var params = new URLSearchParams(location.search);
  var key = params.get("key") || "";
  var storageName = "unstuck:session:" + hash(key);
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log");

  var state = {
    session: "",
    token: "",
    probeToken: "",
    publicUrl: "",
    lastSeq: 0,
    source: null,
    reconnects: 0,
    questions: {},
    queue: [],
    flushing: Promise.resolve(),
    inFlight: 0,
    typing: null,
    jobs: {},
    said: [],
    renewTimer: 0,
    stopped: false,
    maxUploadBytes: 0,
  };

  document.documentElement.setAttribute(
    "data-theme", ["light", "dark", "auto"].indexOf(params.get("theme")) >= 0
      ? params.get("theme") : "auto");
  if (params.get("title")) {
    $("title").textContent = params.get("title");
    document.title = params.get("title");
  }

  // -- talking to the portal page ---------------------------------------------------------

  function toPortal(message) {
    if (window.parent !== window) {
      // Nothing secret travels this way: "ready" and "close" only.
      window.parent.postMessage(message, "*");
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data) {
      return;
    }
    if (event.data.unstuck === "say" && typeof event.data.text === "string") {
      whenReady(function () { sendText(event.data.text); });
    } else if (event.data.unstuck === "opened") {
      $("text").focus();
    } else if (event.data.unstuck === "focus") {
      // Tab from the launcher comes round to the panel's first control, Shift+Tab its last.
      var items = focusable();
      if (items.length) {
        items[event.data.at === "last" ? items.length - 1 : 0].focus();
      }
    }
  });

  // -- the service --------------------------------------------------------------------------

  function ApiFailure(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function call(method, path, body, bearer) {
    var headers = { Authorization: "Bearer " + (bearer || state.token) };
    var init = { method: method, headers: headers, credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).catch(function () {
      throw new ApiFailure(0, "offline",
        "The assistant cannot be reached. Check your connection, then retry.");
    }).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (ignored) { parsed = null; }
        if (!response.ok) {
          var error = (parsed && parsed.error) || {};
          if (error.code === "key_revoked") {
            stopFor("The widget's key was revoked", error.message);
          }
          throw new ApiFailure(response.status, error.code || "http_" + response.status,
            error.message || "The service answered " + response.status + ". Retry in a moment.");
        }
        return parsed;
      });
    });
  }

  function sessionPath(rest) {
    return "/v1/sessions/" + encodeURIComponent(state.session) + (rest || "");
  }

  // -- the session and its tokens -----------------------------------------------------------

  var ready = null;
  var readyCallbacks = [];

  function whenReady(callback) {
    if (ready) {
      callback();
    } else {
      readyCallbacks.push(callback);
    }
  }

  function openSession() {
    var stored = null;
    try { stored = window.localStorage.getItem(storageName); } catch (ignored) { stored = null; }
    return call("POST", "/widget/session", { resume: stored }, key).then(function (body) {
      if (state.session && state.session !== body.session) {
        // The old session could not be resumed (expired token): start the panel afresh.
        resetLog();
      }
      state.session = body.session;
      state.token = body.token;
      state.probeToken = body.probe_token;
      state.publicUrl = body.public_url;
      state.maxUploadBytes = body.max_upload_bytes;
      try { window.localStorage.setItem(storageName, body.token); } catch (ignored) { /* */ }
      window.clearTimeout(state.renewTimer);
      var renewIn = Math.max(30, (body.expires - Date.now() / 1000) / 2) * 1000;
      state.renewTimer = window.setTimeout(renew, Math.min(renewIn, 2147483000));
      return body;
    });
  }

  function renew() {
    openSession().catch(function (failure) { showStatus(failure.message, renew); });
  }

  function start() {
    hideStatus();
    openSession().then(function () {
      ready = true;
      var callbacks = readyCallbacks;
      readyCallbacks = [];
      connect();
      callbacks.forEach(function (callback) { callback(); });
    }).catch(function (failure) {
      if (state.stopped) {
        return;
      }
      if (failure.status === 401 || failure.status === 403) {
        fatal(failure.code === "origin_not_allowed" ? "This page may not embed the assistant"
          : "The widget's key is not valid", failure.message);
      } else {
        showStatus(failure.message, start);
      }
    });
  }

  // -- the event stream -------------------------------------------------------------------------

  function connect() {
    if (state.source) {
      state.source.close();
      state.source = null;
    }
    if (state.stopped) {
      return;
    }
    call("POST", "/widget/stream-token", {}).then(function (body) {
      var url = sessionPath("/events") + "?token=" + encodeURIComponent(body.token) +
        "&after=" + state.lastSeq;
      var source = new EventSource(url);
      state.source = source;
      ["event", "reply", "job", "progress"].forEach(function (kind) {
        source.addEventListener(kind, receive);
      });
      source.onopen = function () {
        state.reconnects = 0;
        hideStatus();
      };
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) {
          // A refused reconnection (its token expired, the server restarted): a new token.
          source.close();
          reconnectLater();
        } else {
          showStatus("Connection lost; reconnecting…", null);
        }
      };
    }).catch(function (failure) {
      if (failure.code === "invalid_token") {
        openSession().then(connect, function (again) { showStatus(again.message, start); });
        return;
      }
      showStatus(failure.message, connect);
      reconnectLater();
    });
  }

  function reconnectLater() {
    var wait = RECONNECT_MS[Math.min(state.reconnects, RECONNECT_MS.length - 1)];
    state.reconnects += 1;
    window.setTimeout(connect, wait);
  }

  function receive(message) {
    var seq = Number(message.lastEventId);
    if (!(seq > state.lastSeq)) {
      return;
    }
    state.lastSeq = seq;
    state.queue.push({ kind: message.type, data: JSON.parse(message.data) });
    // One item that fails to render must not stop the ones after it.
    if (message.type === "reply") {
      // The page shows a badge on the launcher while the panel is closed.
      toPortal({ unstuck: "reply" });
    }
    state.flushing = state.flushing.then(flush).catch(function (error) {
      window.console.error("unstuck: could not show an item", error);
    });
  }

  // Items that arrive together (a turn's replies, a resumed backlog) are rendered together,
  // with one request for their Markdown.
  function flush() {
    var items = state.queue;
    state.queue = [];
    if (!items.length) {
      return null;
    }
    var texts = [];
    items.forEach(function (item) {
      if (item.kind === "reply") {
        markdownOf(item.data).forEach(function (text) { texts.push(text); });
      }
    });
    var rendering = texts.length
      ? call("POST", "/widget/render", { texts: texts }).then(function (body) {
        var html = {};
        texts.forEach(function (text, index) { html[text] = body.html[index]; });
        return html;
      })
      : Promise.resolve({});
    return rendering.catch(function () { return {}; }).then(function (html) {
      var replied = false;
      items.forEach(function (item) {
        if (item.kind === "reply") {
          replied = true;
          showReply(item.data, html);
        } else if (item.kind === "event") {
          showEvent(item.data);
        } else {
          showJob(item.kind, item.data);
        }
      });
      if (replied) {
        refreshRanking();
      }
      log.scrollTop = log.scrollHeight;
    });
  }

  function markdownOf(reply) {
    var texts = [];
    var add = function (text) { if (text) { texts.push(text); } };
    if (reply.kind === "text" || reply.kind === "diagnosis") {
      add(proseOf(reply));
    }
    if (reply.kind === "question") {
      add(reply.text);
      add(reply.hint);
    }
    if (reply.kind === "diagnosis") {
      reply.cards.forEach(function (card) {
        add(card.explanation);
        card.fix_steps.forEach(add);
      });
    }
    return texts;
  }

  // -- what the assistant says --------------------------------------------------------------

  // A reply that asks the user to run `unstuck probe` carries the command as data
  // (server/probe_command.py); its text says the same in words for other front ends.
  function proseOf(reply) {
    return reply.probe_command ? reply.probe_command.intro : reply.text;
  }

  function bubble(kind) {
    var element = document.createElement("div");
    element.className = "bubble " + kind;
    // Above the "thinking" line while a request is out.
    log.insertBefore(element, state.typing && state.typing.parentNode === log ? state.typing : null);
    return element;
  }

  function markdownBlock(html, text) {
    var block = document.createElement("div");
    if (html[text] !== undefined) {
      block.innerHTML = html[text]; // sanitised on the server (server/widget/markdown.py)
    } else {
      block.textContent = text;
      block.style.whiteSpace = "pre-wrap";
    }
    addCopyButtons(block);
    return block;
  }

  function showReply(reply, html) {
    var element = bubble(reply.kind === "text" && reply.tone === "error" ? "error" : "assistant");
    if (reply.kind === "text") {
      element.append(markdownBlock(html, proseOf(reply)));
      if (reply.probe_command) {
        element.append(probeCommand(reply.probe_command));
      }
    } else if (reply.kind === "question") {
      showQuestion(element, reply, html);
    } else if (reply.kind === "probe") {
      var intro = document.createElement("p");
      intro.textContent = "Checks to run where your model lives: " + reply.titles.join(", ") +
        ".";
      element.append(intro);
    } else if (reply.kind === "diagnosis") {
      element.append(markdownBlock(html, reply.text));
      reply.cards.forEach(function (card) { element.append(causeCard(card, html)); });
    }
  }

  function showQuestion(element, question, html) {
    disableChoices();
    element.append(markdownBlock(html, question.text));
    if (question.hint) {
      var hint = markdownBlock(html, question.hint);
      hint.className = "hint";
      element.append(hint);
    }
    var choices = document.createElement("div");
    choices.className = "choices";
    choices.setAttribute("role", "group");
    choices.setAttribute("aria-label", "Answers");
    choices.dataset.question = question.id;
    // A question about a fact can be left open; the "did the fix work" question cannot.
    var unknown = question.fact ? [{ value: "unknown", label: "I don't know" }] : [];
    question.choices.concat(unknown).forEach(
      function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.label;
        button.setAttribute("aria-pressed", "false");
        button.addEventListener("click", function () {
          button.setAttribute("aria-pressed", "true");
          disableChoices();
          answer(question.id, choice.value);
        });
        choices.append(button);
      });
    state.questions[question.id] = question;
    element.append(choices);
  }

  function disableChoices(except) {
    log.querySelectorAll(".choices").forEach(function (group) {
      var open = except !== undefined && group.dataset.question === except &&
        group === lastGroupFor(except);
      group.querySelectorAll("button").forEach(function (button) { button.disabled = !open; });
    });
  }

  function lastGroupFor(questionId) {
    var groups = log.querySelectorAll(".choices");
    for (var index = groups.length - 1; index >= 0; index -= 1) {
      if (groups[index].dataset.question === questionId) {
        return groups[index];
      }
    }
    return null;
  }

  function causeCard(card, html) {
    var section = document.createElement("section");
    section.className = "card";
    var title = document.createElement("h3");
    title.textContent = card.title;
    section.append(title, confidenceLine(card.confidence));
    section.append(evidenceList("Evidence for", card.evidence_for));
    section.append(evidenceList("Evidence against", card.evidence_against));
    if (card.explanation) {
      section.append(heading("What it means"), markdownBlock(html, card.explanation));
    }
    if (card.fix_steps.length) {
      section.append(heading("The fix"));
      var steps = document.createElement("ol");
      card.fix_steps.forEach(function (step) {
        var item = document.createElement("li");
        item.append(markdownBlock(html, step));
        steps.append(item);
      });
      section.append(steps);
    }
    if (card.snippet) {
      section.append(codeBlock(card.snippet, "Copy the fix"));
    }
    return section;
  }

  function heading(text) {
    var element = document.createElement("h4");
    element.textContent = text;
    return element;
  }

  function evidenceList(title, evidence) {
    var wrapper = document.createElement("div");
    if (!evidence.length) {
      return wrapper;
    }
    wrapper.append(heading(title));
    var list = document.createElement("ul");
    evidence.forEach(function (item) {
      var entry = document.createElement("li");
      entry.textContent = item.text;
      list.append(entry);
    });
    wrapper.append(list);
    return wrapper;
  }

  function confidenceLine(confidence) {
    var line = document.createElement("div");
    line.className = "confidence";
    var label = document.createElement("span");
    label.textContent = "Confidence " + Math.round(confidence * 100) + "%";
    line.append(label, meter(confidence));
    return line;
  }

  function meter(fraction) {
    var outer = document.createElement("div");
    outer.className = "meter";
    outer.setAttribute("aria-hidden", "true");
    var inner = document.createElement("span");
    inner.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + "%";
    outer.append(inner);
    return outer;
  }

  function probeCommand(command) {
    // The token is this browser's own (never stored with the reply); it needs no quoting.
    var line = command.line + (state.probeToken ? " --api-key " + state.probeToken : "");
    return codeBlock(line, "Copy the command");
  }

  function codeBlock(text, label) {
    var wrapper = document.createElement("div");
    wrapper.className = "command";
    var pre = document.createElement("pre");
    var code = document.createElement("code");
    code.textContent = text;
    pre.append(code);
    wrapper.append(pre, copyButton(function () { return text; }, label));
    return wrapper;
  }

  function addCopyButtons(block) {
    block.querySelectorAll("pre").forEach(function (pre) {
      var wrapper = document.createElement("div");
      wrapper.className = "command";
      pre.replaceWith(wrapper);
      wrapper.append(pre, copyButton(function () { return pre.textContent; }, "Copy the code"));
    });
  }

  function copyButton(textOf, label) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () {
      copy(textOf()).then(function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
      }, function () { button.textContent = "Select and copy"; });
    });
    return button;
  }

  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(function () { return copyByHand(text); });
    }
    return copyByHand(text);
  }

  function copyByHand(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("aria-hidden", "true");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    var copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  // -- what the user did, as the stream tells it: from this tab, another tab, or the backlog,
  // so that every tab shows one and the same conversation ----------------------------------

  function showEvent(event) {
    if (event.type === "said") {
      bubble("user").textContent = event.text;
    } else if (event.type === "answered") {
      bubble("user").textContent = labelOf(event.question, event.value);
    } else if (event.type === "outcome") {
      bubble("user").textContent = event.result === "fixed" ? "Fixed" : "Still stuck";
    } else if (event.type === "attached") {
      bubble("user").textContent = "My model is in " + event.target + " on my machine.";
    } else if (event.type === "undo") {
      bubble("note").textContent = "Took back the last step.";
    } else if (event.type === "restart") {
      bubble("note").textContent = "Started over.";
    } else if (event.type === "probed") {
      var result = event.result;
      bubble("note").textContent = "Check " + result.id + " (" + result.status + "): " +
        result.finding;
    }
  }

  function labelOf(questionId, value) {
    var question = state.questions[questionId];
    if (value === "unknown") {
      return "I don't know";
    }
    var choices = question ? question.choices : [];
    for (var index = 0; index < choices.length; index += 1) {
      if (choices[index].value === value) {
        return choices[index].label;
      }
    }
    return value;
  }

  function showJob(kind, data) {
    var id = data.job || data.id;
    var entry = state.jobs[id];
    if (!entry) {
      var element = bubble("note job");
      var text = document.createElement("div");
      var bar = document.createElement("progress");
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute("aria-label", "Table checks");
      element.append(text, bar);
      entry = state.jobs[id] = { text: text, bar: bar };
    }
    if (kind === "progress") {
      entry.bar.value = data.fraction;
      entry.text.textContent = data.message || "Checking the table…";
    } else {
      entry.text.textContent = data.message || data.status;
      if (data.status === "done" || data.status === "failed") {
        entry.bar.value = 1;
        entry.bar.hidden = data.status === "failed";
      }
    }
  }

  // -- the user's actions -----------------------------------------------------------------------

  function act(method, path, body, restore) {
    if (!ready) {
      whenReady(function () { act(method, path, body, restore); });
      return;
    }
    startTyping();
    call(method, sessionPath(path), body).then(function () {
      stopTyping();
      hideStatus();
    }, function (failure) {
      stopTyping();
      // Nothing was stored: give the words back, to edit or send again.
      if (restore) {
        restore();
      }
      var again = function () { act(method, path, body, restore); };
      if (failure.code === "invalid_token") {
        openSession().then(again, function (renewal) { showError(renewal.message, again); });
        return;
      }
      var retry = failure.status === 0 || failure.status >= 500 || failure.status === 409 ||
        failure.status === 429;
      showError(failure.message, retry ? again : null);
    });
  }

  // Whether the text went out (it is kept in the composer when it did not).
  function sendText(text) {
    if (!text.trim()) {
      return false;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      showError("Your message has " + text.length.toLocaleString("en") + " characters; the " +
        "assistant reads at most " + MAX_MESSAGE_CHARS.toLocaleString("en") + ". Shorten it: " +
        "the first lines of an error and the code around it are usually enough.", null);
      return false;
    }
    act("POST", "/messages", { text: text }, function () {
      if (!$("text").value) {
        $("text").value = text;
      }
    });
    return true;
  }

  function answer(questionId, value) {
    act("POST", "/answers", { question: questionId, value: value }, function () {
      disableChoices(questionId);
    });
  }

  function why() {
    call("GET", sessionPath("/why")).then(function (body) {
      return call("POST", "/widget/render", { texts: [body.text] }).then(function (rendered) {
        var html = {};
        html[body.text] = rendered.html[0];
        bubble("assistant").append(markdownBlock(html, body.text));
        log.scrollTop = log.scrollHeight;
      });
    }).catch(function (failure) { showError(failure.message, why); });
  }

  function refreshRanking() {
    call("GET", sessionPath()).then(function (view) {
      var list = $("causes");
      list.textContent = "";
      view.ranking.slice(0, 5).forEach(function (cause) {
        var item = document.createElement("li");
        item.className = "cause";
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = cause.title;
        name.title = cause.title;
        var share = document.createElement("span");
        share.className = "share";
        share.textContent = Math.round(cause.confidence * 100) + "%";
        item.append(name, meter(cause.confidence), share);
        list.append(item);
      });
      $("ranking").hidden = view.ranking.length === 0;
      disableChoices(view.pending ? view.pending.id : undefined);
    }).catch(function () { /* the ranking is a convenience; the chat goes on without it */ });
  }

  function startTyping() {
    state.inFlight += 1;
    if (!state.typing) {
      state.typing = document.createElement("div");
      state.typing.className = "typing";
      state.typing.textContent = "The assistant is thinking…";
      log.append(state.typing);
    }
  }

  function stopTyping() {
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (state.typing && state.inFlight === 0) {
      state.typing.remove();
      state.typing = null;
    }
  }

  // -- table upload -----------------------------------------------------------------------------

  function upload(event) {
    event.preventDefault();
    var file = $("file").files[0];
    var label = $("label").value.trim();
    if (!file || !label) {
      return;
    }
    if (state.maxUploadBytes && file.size > state.maxUploadBytes) {
      // Refused here, before minutes of sending; the form keeps the file and the label.
      showError("The file '" + file.name + "' has " + megabytes(file.size) + "; the " +
        "assistant takes tables up to " + megabytes(state.maxUploadBytes) + ". Send a " +
        "sample of its rows (a few thousand are enough for the table checks) or the same " +
        "table as Parquet, which is smaller.", null);
      return;
    }
    var form = new FormData();
    form.append("file", file);
    form.append("label", label);
    var request = new XMLHttpRequest();
    var progress = $("upload-progress");
    progress.hidden = false;
    progress.value = 0;
    $("upload-send").disabled = true;
    request.upload.onprogress = function (step) {
      if (step.lengthComputable) {
        progress.value = step.loaded / step.total;
      }
    };
    request.onload = function () {
      $("upload-send").disabled = false;
      progress.hidden = true;
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      if (request.status === 202) {
        $("upload").hidden = true;
        $("upload").reset();
        bubble("user").textContent = "Uploaded " + file.name + " (label: " + label + ")";
      } else {
        showError((body && body.error && body.error.message) ||
          "The upload failed (" + request.status + ").", null);
      }
    };
    request.onerror = function () {
      $("upload-send").disabled = false;
      progress.hidden = true;
      showError("The upload did not reach the assistant. Check your connection, then retry.",
        function () { $("upload").requestSubmit(); });
    };
    request.open("POST", sessionPath("/tables"));
    request.setRequestHeader("Authorization", "Bearer " + state.token);
    request.send(form);
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function offerColumns() {
    var file = $("file").files[0];
    var list = $("columns");
    list.textContent = "";
    if (!file || !/\.csv$/i.test(file.name)) {
      return;
    }
    file.slice(0, 65536).text().then(function (head) {
      head.split(/\r?\n/)[0].split(",").forEach(function (name) {
        var option = document.createElement("option");
        option.value = name.replace(/^"|"$/g, "").trim();
        list.append(option);
      });
    });
  }

  // -- the panel ------------------------------------------------------------------------------

  function showError(text, retry) {
    var element = bubble("error");
    element.setAttribute("role", "alert");
    var message = document.createElement("p");
    message.textContent = text;
    element.append(message);
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Retry";
      button.addEventListener("click", function () {
        element.remove();
        retry();
      });
      element.append(button);
    }
    log.scrollTop = log.scrollHeight;
  }

  function showStatus(text, retry) {
    var status = $("status");
    status.textContent = "";
    var message = document.createElement("span");
    message.textContent = text;
    status.append(message);
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Retry";
      button.addEventListener("click", retry);
      status.append(button);
    }
    status.hidden = false;
  }

  function hideStatus() {
    $("status").hidden = true;
  }

  // The key was revoked: nothing this panel could do works any more, so it says why and
  // stops renewing, reconnecting and retrying.
  function stopFor(title, text) {
    state.stopped = true;
    window.clearTimeout(state.renewTimer);
    if (state.source) {
      state.source.close();
      state.source = null;
    }
    fatal(title, text);
  }

  function fatal(title, text) {
    var app = document.querySelector(".app");
    var close = $("close");
    app.textContent = "";
    var box = document.createElement("div");
    box.className = "fatal";
    box.setAttribute("role", "alert");
    var heading = document.createElement("h2");
    heading.textContent = title;
    var message = document.createElement("p");
    message.textContent = text;
    box.append(close, heading, message);
    app.append(box);
  }

  function resetLog() {
    log.textContent = "";
    state.lastSeq = 0;
    state.jobs = {};
  }

  function focusable() {
    return Array.prototype.filter.call(
      document.querySelectorAll("button, textarea, input, summary, [tabindex='0']"),
      function (element) { return !element.disabled && element.offsetParent !== null; });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      toPortal({ unstuck: "close" });
      return;
    }
    if (event.key !== "Tab") {
      return;
    }
    // Keep keyboard focus inside the open panel; past its last (or before its first)
    // control, focus goes to the launcher on the portal's page, which closes the panel.
    var items = focusable();
    if (!items.length) {
      return;
    }
    var first = items[0];
    var last = items[items.length - 1];
    var leaving = event.shiftKey ? document.activeElement === first
      : document.activeElement === last;
    if (!leaving) {
      return;
    }
    event.preventDefault();
    if (window.parent !== window) {
      toPortal({ unstuck: "tab", forward: !event.shiftKey });
    } else {
      (event.shiftKey ? last : first).focus();
    }
  });

  // A phone turned, or a panel resized: keep the latest reply in view.
  window.addEventListener("resize", function () { log.scrollTop = log.scrollHeight; });
  $("close").addEventListener("click", function () { toPortal({ unstuck: "close" }); });
  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    if (sendText($("text").value)) {
      $("text").value = "";
    }
  });
  $("text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  document.querySelector(".tools").addEventListener("click", function (event) {
    var command = event.target.getAttribute && event.target.getAttribute("data-command");
    if (command === "why") {
      why();
    } else if (command === "undo") {
      act("POST", "/undo", undefined, null);
    } else if (command === "restart") {
      act("POST", "/restart", undefined, null);
    } else if (command === "upload" || command === "target") {
      toggleForm(command, command === "upload" ? "file" : "target-path");
    }
  });
  $("target").addEventListener("submit", function (event) {
    event.preventDefault();
    var path = $("target-path").value.trim();
    $("target").hidden = true;
    act("POST", "/target", { target: path }, null);
  });
  $("target-cancel").addEventListener("click", function () { $("target").hidden = true; });

  function toggleForm(id, focusId) {
    var form = $(id);
    form.hidden = !form.hidden;
    if (!form.hidden) {
      $(focusId).focus();
    }
  }
  $("upload").addEventListener("submit", upload);
  $("upload-cancel").addEventListener("click", function () { $("upload").hidden = true; });
  $("file").addEventListener("change", offerColumns);

  function hash(text) {
    var value = 5381;
    for (var index = 0; index < text.length; index += 1) {
      value = ((value * 33) ^ text.charCodeAt(index)) >>> 0;
    }
    return value.toString(36);
  }

  toPortal({ unstuck: "ready" });
  if (!key) {
    fatal("This widget has no key",
      "The script tag needs data-key=\"<key>\" with the key the operator gave for this portal.");
  } else {
    start();
  }
})();
