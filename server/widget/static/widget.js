/* unstuck help-portal widget: the embed script.
 *
 *   <script src="https://UNSTUCK/widget.js" data-key="KEY" async></script>
 *
 * Adds a launcher button and, when opened, a panel holding an iframe served by the unstuck
 * service (/widget/frame). The launcher lives in a shadow root so that the portal's CSS
 * cannot restyle it; the chat lives in the iframe so that neither page can reach into the
 * other. Options: data-position (bottom-right | bottom-left), data-title, data-theme
 * (light | dark | auto), data-open="true", data-say="first message".
 * Page API: window.unstuck.open(), .close(), .say(text).
 *
 * Keyboard: while the panel is open, Tab goes round the panel's controls and the launcher
 * (which closes it), never out to the page; Esc closes it and puts focus on the launcher.
 * A reply that lands while the panel is closed shows as a count on the launcher.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || (window.unstuck && window.unstuck.version)) {
    return;
  }
  var base = script.src.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var serviceOrigin = new URL(base).origin;
  var options = {
    key: (script.getAttribute("data-key") || "").trim(),
    position: script.getAttribute("data-position") === "bottom-left" ? "left" : "right",
    title: script.getAttribute("data-title") || "Model not learning? Ask unstuck",
    theme: ["light", "dark", "auto"].indexOf(script.getAttribute("data-theme")) >= 0
      ? script.getAttribute("data-theme") : "auto",
    open: script.getAttribute("data-open") === "true",
    say: script.getAttribute("data-say") || "",
  };
  var FRAME_READY_TIMEOUT_MS = 15000;

  var STYLE = [
    ":host { all: initial; }",
    ".root { --bg: #ffffff; --fg: #1a1a1a; --accent: #1d4ed8; --accent-fg: #ffffff;",
    "  --border: #c7ccd4; position: fixed; bottom: 16px; z-index: 2147483000;",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".root.dark { --bg: #111827; --fg: #f3f4f6; --accent: #2563eb; --border: #4b5563; }",
    "@media (prefers-color-scheme: dark) { .root.auto { --bg: #111827; --fg: #f3f4f6;",
    "  --accent: #2563eb; --border: #4b5563; } }",
    ".root.right { right: 16px; } .root.left { left: 16px; }",
    ".launcher { display: flex; align-items: center; gap: 8px; border: 0; cursor: pointer;",
    "  border-radius: 999px; padding: 12px 18px; background: var(--accent);",
    "  color: var(--accent-fg); font: inherit; font-weight: 600;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".launcher:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }",
    ".badge { min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;",
    "  background: #b91c1c; color: #ffffff; font-size: 13px; line-height: 22px;",
    "  text-align: center; box-sizing: border-box; }",
    ".badge[hidden], .sr { display: none; }",
    ".sr:not([hidden]) { display: inline-block; position: absolute; width: 1px; height: 1px;",
    "  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    ".panel { position: absolute; bottom: 60px; width: 400px; height: 620px;",
    "  max-height: calc(100vh - 96px); background: var(--bg); color: var(--fg);",
    "  border: 1px solid var(--border); border-radius: 12px; overflow: hidden;",
    "  box-shadow: 0 10px 40px rgba(0,0,0,.3); display: flex; flex-direction: column; }",
    ".right .panel { right: 0; } .left .panel { left: 0; }",
    ".panel[hidden] { display: none; }",
    "iframe { border: 0; width: 100%; flex: 1; background: var(--bg); }",
    ".message { padding: 20px; display: flex; flex-direction: column; gap: 12px; }",
    ".message h2 { font-size: 17px; margin: 0; }",
    ".message p { margin: 0; }",
    ".message button { align-self: flex-start; border: 0; border-radius: 6px; font: inherit;",
    "  padding: 8px 14px; background: var(--accent); color: var(--accent-fg); cursor: pointer; }",
    ".close { align-self: flex-end; background: transparent !important;",
    "  color: var(--fg) !important; border: 1px solid var(--border) !important; }",
    "@media (max-width: 480px) {",
    "  .root.open { inset: 0; }",
    "  .root.open .panel { position: fixed; inset: 0; width: auto; height: auto;",
    "    max-height: none; border-radius: 0; border: 0; }",
    "  .root.open .launcher { display: none; } }",
    "@media (prefers-reduced-motion: no-preference) {",
    "  .panel { animation: rise .15s ease-out; }",
    "  @keyframes rise { from { opacity: 0; transform: translateY(8px); } } }",
  ].join("\n");

  var host = document.createElement("div");
  host.setAttribute("data-unstuck-widget", "");
  var shadow = host.attachShadow({ mode: "open" });
  // A constructed style sheet where the browser has them: a portal whose own CSP forbids
  // inline styles still styles the launcher then.
  var style = null;
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    style = document.createElement("style");
    style.textContent = STYLE;
  }
  var root = document.createElement("div");
  root.className = "root " + options.position + " " + options.theme;
  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "unstuck-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", options.title);
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "unstuck-panel");
  var label = document.createElement("span");
  label.textContent = options.title;
  var badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  var badgeText = document.createElement("span");
  badgeText.className = "sr";
  badgeText.hidden = true;
  launcher.append(label, badge, badgeText);
  root.append(panel, launcher);
  shadow.append(root);
  if (style) {
    shadow.prepend(style);
  }

  var frame = null;
  var frameReady = false;
  var toFrame = [];
  var readyTimer = 0;
  // What the service said about this key and this page: null until it answers.
  var verdict = null;
  var checking = null;
  var unread = 0;

  function check() {
    if (!options.key) {
      verdict = {
        ok: false,
        heading: "This widget has no key",
        text: "The script tag needs data-key=\"<key>\" with the key the operator gave for " +
          "this portal.",
        retry: false,
      };
      return Promise.resolve(verdict);
    }
    checking = fetch(base + "/widget/config?key=" + encodeURIComponent(options.key), {
      credentials: "omit",
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          verdict = { ok: true };
        } else {
          verdict = {
            ok: false,
            heading: headingFor(body.error && body.error.code),
            text: (body.error && body.error.message) || "The service refused this widget.",
            retry: response.status >= 500,
          };
        }
        return verdict;
      });
    }).catch(function () {
      verdict = {
        ok: false,
        heading: "The assistant cannot be reached",
        text: "The unstuck service at " + base + " does not answer. Check your connection, " +
          "or try again in a minute.",
        retry: true,
      };
      return verdict;
    });
    return checking;
  }

  function headingFor(code) {
    if (code === "origin_not_allowed") {
      return "This page may not embed the assistant";
    }
    if (code === "invalid_api_key" || code === "missing_api_key") {
      return "The widget's key is not valid";
    }
    if (code === "key_revoked") {
      return "The widget's key was revoked";
    }
    return "The assistant is not available";
  }

  function showMessage(result) {
    if (frame) {
      frame.remove();
      frame = null;
      frameReady = false;
    }
    panel.textContent = "";
    var box = document.createElement("div");
    box.className = "message";
    box.setAttribute("role", "alert");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "Close";
    close.addEventListener("click", function () { setOpen(false); });
    var heading = document.createElement("h2");
    heading.textContent = result.heading;
    var text = document.createElement("p");
    text.textContent = result.text;
    box.append(close, heading, text);
    if (result.retry) {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.textContent = "Retry";
      retry.addEventListener("click", function () {
        panel.textContent = "";
        check().then(show);
      });
      box.append(retry);
    }
    panel.append(box);
    close.focus();
  }

  function showFrame() {
    if (frame) {
      return;
    }
    panel.textContent = "";
    frame = document.createElement("iframe");
    frame.title = options.title;
    frame.setAttribute("allow", "clipboard-write");
    frame.src = base + "/widget/frame?key=" + encodeURIComponent(options.key) +
      "&theme=" + encodeURIComponent(options.theme) +
      "&title=" + encodeURIComponent(options.title);
    panel.append(frame);
    readyTimer = window.setTimeout(function () {
      if (!frameReady) {
        showMessage({
          heading: "The assistant did not load",
          text: "Its panel did not start within " + FRAME_READY_TIMEOUT_MS / 1000 +
            " seconds. The service may be busy or this page may not be allowed to embed it.",
          retry: true,
        });
      }
    }, FRAME_READY_TIMEOUT_MS);
  }

  function show(result) {
    if (panel.hidden) {
      return;
    }
    if (result.ok) {
      showFrame();
      post({ unstuck: "opened" });
    } else {
      showMessage(result);
    }
  }

  function setUnread(count) {
    unread = count;
    badge.hidden = badgeText.hidden = count === 0;
    badge.textContent = String(count);
    badgeText.textContent = ", " + count + (count === 1 ? " new reply" : " new replies");
  }

  function setOpen(open) {
    panel.hidden = !open;
    root.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      setUnread(0);
    }
    if (!open) {
      launcher.focus();
      return;
    }
    if (verdict) {
      show(verdict);
    } else {
      (checking || check()).then(show);
    }
    if (frame) {
      frame.focus();
    }
  }

  function post(message) {
    if (frame && frameReady) {
      frame.contentWindow.postMessage(message, serviceOrigin);
    } else {
      toFrame.push(message);
    }
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== serviceOrigin) {
      return;
    }
    var data = event.data || {};
    if (data.unstuck === "ready") {
      frameReady = true;
      window.clearTimeout(readyTimer);
      var queued = toFrame;
      toFrame = [];
      queued.forEach(post);
      if (!panel.hidden) {
        frame.focus();
      }
    } else if (data.unstuck === "close") {
      setOpen(false);
    } else if (data.unstuck === "reply" && panel.hidden) {
      setUnread(unread + 1);
    } else if (data.unstuck === "tab") {
      leavePanel(data.forward === true);
    }
  });

  // -- the focus trap: the panel's controls, then the launcher, then round again ----------

  function launcherShown() {
    // On a phone the open panel covers the screen and hides the launcher; the panel's own
    // close button is the way out then.
    return launcher.getClientRects().length > 0;
  }

  // Buttons of a message shown in place of the chat (the chat's own are inside the frame).
  function panelStops() {
    return Array.prototype.slice.call(panel.querySelectorAll("button"));
  }

  function enterPanel(forward) {
    if (frame) {
      frame.focus();
      post({ unstuck: "focus", at: forward ? "first" : "last" });
      return;
    }
    var stops = panelStops();
    if (stops.length) {
      stops[forward ? 0 : stops.length - 1].focus();
    }
  }

  // Tab from the panel's last control (Shift+Tab from its first) reaches the launcher.
  function leavePanel(forward) {
    if (panel.hidden) {
      return;
    }
    if (launcherShown()) {
      launcher.focus();
    } else {
      enterPanel(forward);
    }
  }

  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  root.addEventListener("keydown", function (event) {
    if (panel.hidden) {
      return;
    }
    if (event.key === "Escape") {
      setOpen(false);
      return;
    }
    if (event.key !== "Tab") {
      return;
    }
    var active = shadow.activeElement;
    var stops = panelStops();
    if (active === launcher) {
      event.preventDefault();
      enterPanel(!event.shiftKey);
    } else if (!frame && stops.length && active === stops[event.shiftKey ? 0 : stops.length - 1]) {
      event.preventDefault();
      leavePanel(!event.shiftKey);
    }
  });

  window.unstuck = {
    version: 1,
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    say: function (text) {
      setOpen(true);
      post({ unstuck: "say", text: String(text) });
    },
  };

  function mount() {
    document.body.append(host);
    check();
    if (options.say || options.open) {
      // The launcher is drawn first, alone; the panel (a large box, its animation, then the
      // frame) follows in the next frame instead of holding the launcher back by one.
      window.requestAnimationFrame(function () {
        if (options.say) {
          window.unstuck.say(options.say);
        } else {
          setOpen(true);
        }
      });
    }
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
