/* Security keys (WebAuthn) for OpenTRM's second factor: no inline script, no library.
 * A button with data-webauthn="register" or "verify" asks the server for options
 * (data-options-url), asks the browser's authenticator, and sends the answer to
 * data-submit-url; the server checks it (py_webauthn) and says where to go next.
 * Buttons stay hidden where the browser has no WebAuthn (and without JavaScript). */
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    });
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function encoded(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    }
    if (response.authenticatorData) {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return out;
  }

  function run(button) {
    var status = document.getElementById(button.getAttribute("data-status"));
    var register = button.getAttribute("data-webauthn") === "register";
    var nameInput = document.getElementById(button.getAttribute("data-name-input") || "");
    var next = button.getAttribute("data-next") || "";
    var submitUrl = button.getAttribute("data-submit-url") +
      (next ? "?next=" + encodeURIComponent(next) : "");
    function failed(message) {
      if (status) { status.textContent = message || button.getAttribute("data-failed"); }
      button.disabled = false;
    }
    button.disabled = true;
    post(button.getAttribute("data-options-url"))
      .then(function (response) {
        if (!response.ok) { throw new Error("options refused"); }
        return response.json();
      })
      .then(function (options) {
        return register
          ? navigator.credentials.create({ publicKey: creationOptions(options) })
          : navigator.credentials.get({ publicKey: requestOptions(options) });
      })
      .then(function (credential) {
        return post(submitUrl, {
          credential: encoded(credential),
          name: nameInput ? nameInput.value : ""
        });
      })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) { window.location.assign(data.next || "/"); } else { failed(data.message); }
        });
      })
      .catch(function () { failed(); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-webauthn]");
    if (!button) { return; }
    event.preventDefault();
    run(button);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) { return; }
    document.querySelectorAll("[data-webauthn-box]").forEach(function (box) { box.hidden = false; });
  });
}());
