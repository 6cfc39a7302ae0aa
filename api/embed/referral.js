/*! Core Recovery referral form, v1 — <core-recovery-referral data-key="pk_…" data-lang="en|es">.
 * No dependencies, no build. Renders in a shadow DOM (the page's CSS cannot reach it), posts JSON to
 * /api/v1/referrals/ with the publishable key. docs/partners.md, "Embedding the referral form". */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("core-recovery-referral")) return;

  // The API's origin: data-api, else where this script came from (read now: currentScript is gone later).
  var SCRIPT = document.currentScript;
  var SCRIPT_ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src).origin : "";
  var PHONE = "602-926-7729";

  var TEXT = {
    en: {
      title: "Refer someone to Core Recovery",
      crisis: "This form is not for emergencies. If someone is in danger now, call 911. In a crisis, call or text 988 (Suicide & Crisis Lifeline), any time.",
      person: "The person you are referring",
      about: "About the referral",
      you: "You, the referrer",
      first_name: "First name", last_name: "Last name", phone: "Phone", email: "Email",
      phone_hint: "A US number, e.g. 602-555-0123. Give a phone number or an email address, or both.",
      preferred_contact: "How they prefer to be contacted", no_preference: "No preference",
      contact_phone: "Phone call", contact_sms: "Text message", contact_email: "Email",
      program_interest: "Program", unsure: "Not sure",
      iop: "Intensive Outpatient Program (IOP)", php: "Partial Hospitalization Program (PHP)",
      insurance_provider: "Insurance provider",
      reason_for_referral: "Reason for referral", urgency: "Urgency", routine: "Routine", urgent: "Urgent",
      current_level_of_care: "Current level of care",
      "referrer.name": "Your name", "referrer.role": "Your role", "referrer.organization": "Organization",
      "referrer.phone": "Your phone", "referrer.email": "Your email",
      client_consent: "The person agreed to be referred to Core Recovery.",
      required: "(required)", send: "Send referral", sending: "Sending…",
      summary: "There is a problem",
      missing: "Enter this.", consent_missing: "Confirm that the person agreed to be referred.",
      contact_missing: "Give a phone number or an email address (or both).",
      received: "Referral received",
      reference: "Reference:",
      next: "Our admissions team will contact the person, usually within one business day. Quote the reference if you call us at " + PHONE + ".",
      another: "Refer someone else",
      offline: "The form could not reach Core Recovery, so nothing was sent. This website may not be allowed to use the form (its address is not on the form key's list of allowed websites), or the connection failed. Please try again, or call us at " + PHONE + ".",
      not_allowed: "This website is not allowed to send referrals with this form. Nothing was sent. Please call us at " + PHONE + ".",
      failed: "Something went wrong and nothing was sent. Please try again, or call us at " + PHONE + ".",
      human: "Please complete the human check before sending."
    },
    es: {
      title: "Referir a alguien a Core Recovery",
      crisis: "Este formulario no es para emergencias. Si alguien está en peligro ahora, llame al 911. En una crisis, llame o envíe un mensaje de texto al 988 (Línea de Prevención del Suicidio y Crisis), a cualquier hora.",
      person: "La persona que usted refiere",
      about: "Sobre la referencia",
      you: "Usted, quien refiere",
      first_name: "Nombre", last_name: "Apellido", phone: "Teléfono", email: "Correo electrónico",
      phone_hint: "Un número de EE. UU., p. ej. 602-555-0123. Indique un teléfono o un correo electrónico, o ambos.",
      preferred_contact: "Cómo prefiere que le contacten", no_preference: "Sin preferencia",
      contact_phone: "Llamada", contact_sms: "Mensaje de texto", contact_email: "Correo electrónico",
      program_interest: "Programa", unsure: "No estoy seguro",
      iop: "Programa Intensivo Ambulatorio (IOP)", php: "Programa de Hospitalización Parcial (PHP)",
      insurance_provider: "Seguro médico",
      reason_for_referral: "Motivo de la referencia", urgency: "Urgencia", routine: "Normal", urgent: "Urgente",
      current_level_of_care: "Nivel de atención actual",
      "referrer.name": "Su nombre", "referrer.role": "Su función", "referrer.organization": "Organización",
      "referrer.phone": "Su teléfono", "referrer.email": "Su correo electrónico",
      client_consent: "La persona aceptó ser referida a Core Recovery.",
      required: "(obligatorio)", send: "Enviar referencia", sending: "Enviando…",
      summary: "Hay un problema",
      missing: "Complete este campo.", consent_missing: "Confirme que la persona aceptó ser referida.",
      contact_missing: "Indique un teléfono o un correo electrónico (o ambos).",
      received: "Referencia recibida",
      reference: "Referencia:",
      next: "Nuestro equipo de admisiones se pondrá en contacto con la persona, normalmente en un día hábil. Mencione la referencia si nos llama al " + PHONE + ".",
      another: "Referir a otra persona",
      offline: "El formulario no pudo comunicarse con Core Recovery, así que no se envió nada. Es posible que este sitio web no tenga permiso para usar el formulario (su dirección no está en la lista de sitios permitidos de la clave), o falló la conexión. Inténtelo de nuevo o llámenos al " + PHONE + ".",
      not_allowed: "Este sitio web no tiene permiso para enviar referencias con este formulario. No se envió nada. Llámenos al " + PHONE + ".",
      failed: "Algo salió mal y no se envió nada. Inténtelo de nuevo o llámenos al " + PHONE + ".",
      human: "Complete la verificación humana antes de enviar."
    }
  };

  // [name, kind, required, extra]; names are the referrals API's, dotted for nested ones.
  var GROUPS = [
    ["person", [
      ["first_name", "text", true, "off"], ["last_name", "text", false, "off"],
      ["phone", "tel", false, "off", "phone_hint"], ["email", "email", false, "off"],
      ["preferred_contact", "select", false, ["", "no_preference", "phone", "contact_phone", "sms", "contact_sms", "email", "contact_email"]],
      ["program_interest", "select", false, ["unsure", "unsure", "iop", "iop", "php", "php"]],
      ["insurance_provider", "text", false, "off"]
    ]],
    ["about", [
      ["reason_for_referral", "textarea", true],
      ["urgency", "radios", false, ["routine", "urgent"]],
      ["current_level_of_care", "text", false, "off"]
    ]],
    ["you", [
      ["referrer.name", "text", true, "name"], ["referrer.role", "text", false, "organization-title"],
      ["referrer.organization", "text", false, "organization"], ["referrer.phone", "tel", false, "tel"],
      ["referrer.email", "email", false, "email"]
    ]]
  ];

  var CSS =
    ":host{display:block;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;max-width:40rem}" +
    "*{box-sizing:border-box}h2{font-size:1.5rem;margin:0 0 .75rem}" +
    ".crisis{border-left:6px solid #b10e1e;background:#fdf0f1;padding:.75rem 1rem;margin:0 0 1rem}" +
    "fieldset{border:0;padding:0;margin:0 0 1.25rem}legend{font-weight:700;font-size:1.15rem;margin-bottom:.5rem}" +
    ".field{margin-bottom:1rem}label{display:block;font-weight:600}.hint{color:#505a5f;margin:0}" +
    "input[type=text],input[type=tel],input[type=email],select,textarea{width:100%;font:inherit;padding:.45rem;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#0b0c0c}" +
    "textarea{min-height:6rem}.check label,.radio label{display:inline;font-weight:400;margin-left:.4rem}" +
    ".check input,.radio input{width:1.25rem;height:1.25rem;vertical-align:middle}" +
    ".invalid input,.invalid select,.invalid textarea{border-color:#b10e1e}" +
    ".error{color:#b10e1e;font-weight:700;margin:.15rem 0}" +
    ".summary{border:4px solid #b10e1e;padding:1rem;margin-bottom:1rem}.summary h3{margin:0 0 .5rem}" +
    ".summary a{color:#b10e1e;font-weight:700}" +
    "button{font:inherit;font-weight:700;padding:.6rem 1.2rem;border:0;background:#00703c;color:#fff;cursor:pointer}" +
    "button[disabled]{opacity:.6}:focus-visible{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}" +
    ".done{border:4px solid #00703c;padding:1rem}.ref{font-size:1.4rem;font-weight:700}";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) {
      if (name === "text") node.textContent = attrs[name];
      else if (attrs[name] !== null && attrs[name] !== false) node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function idFor(name) { return "crr-" + name.replace(/[^a-z_]/g, "-"); }

  var turnstileLoading = null;
  function loadTurnstile() {
    // Cloudflare's widget script, into the page itself (once), rendered explicitly into the shadow DOM.
    if (!turnstileLoading) {
      turnstileLoading = new Promise(function (resolve, reject) {
        var script = el("script", { src: "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit", async: true });
        script.onload = function () { resolve(window.turnstile); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return turnstileLoading;
  }

  class ReferralForm extends HTMLElement {}

  ReferralForm.prototype.connectedCallback = function () {
    if (this.shadowRoot) return;
    var lang = (this.dataset.lang || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    this.lang_ = TEXT[lang] ? lang : "en";
    this.t = TEXT[this.lang_];
    this.api = (this.dataset.api || SCRIPT_ORIGIN).replace(/\/+$/, "") + "/api/v1/referrals/";
    // Open, so that assistive technology and accessibility checkers see into it.
    var root = this.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS); // not an inline <style>: a partner page's CSP does not block it
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", { text: CSS }));
    }
    this.wrapper = el("div", { lang: this.lang_ });
    root.appendChild(this.wrapper);
    this.renderForm();
  };

  ReferralForm.prototype.renderForm = function () {
    var t = this.t, self = this;
    this.fillKey = null; // one Idempotency-Key per form fill, made at the first send, kept for its retries
    this.wrapper.textContent = "";
    this.wrapper.appendChild(el("h2", { text: t.title }));
    this.wrapper.appendChild(el("p", { class: "crisis", role: "note", text: t.crisis }));
    this.summary = el("div", { class: "summary", role: "alert", tabindex: "-1", hidden: true });
    this.wrapper.appendChild(this.summary);
    var form = el("form", { novalidate: true });
    GROUPS.forEach(function (group) {
      var fieldset = el("fieldset", {}, [el("legend", { text: t[group[0]] })]);
      group[1].forEach(function (spec) { fieldset.appendChild(self.field(spec)); });
      form.appendChild(fieldset);
    });
    form.appendChild(this.field(["client_consent", "checkbox", true]));
    if (this.dataset.turnstileSitekey) {
      this.human = el("div", { class: "field" });
      form.appendChild(this.human);
      loadTurnstile().then(function (turnstile) {
        self.widget = turnstile.render(self.human, { sitekey: self.dataset.turnstileSitekey, language: self.lang_ });
      }, function () { /* offline or blocked: the server refuses without a token, in words */ });
    }
    this.button = el("button", { type: "submit", text: t.send });
    form.appendChild(this.button);
    form.addEventListener("submit", function (event) { event.preventDefault(); self.send(); });
    this.form = form;
    this.wrapper.appendChild(form);
  };

  ReferralForm.prototype.field = function (spec) {
    var t = this.t, name = spec[0], kind = spec[1], required = spec[2], id = idFor(name);
    var label = t[name] + (required && kind !== "checkbox" ? " " + t.required : "");
    var box = el("div", { class: "field" + (kind === "checkbox" ? " check" : ""), "data-field": name });
    var error = el("p", { class: "error", id: id + "-error", hidden: true });
    var hint = spec[4] ? el("p", { class: "hint", id: id + "-hint", text: t[spec[4]] }) : null;
    var control;
    if (kind === "radios") {
      control = el("fieldset", { id: id }, [el("legend", { text: t[name] })]);
      spec[3].forEach(function (value, index) {
        var radioId = id + "-" + value;
        control.appendChild(el("div", { class: "radio" }, [
          el("input", { type: "radio", id: radioId, name: name, value: value, checked: index === 0 }),
          el("label", { for: radioId, text: t[value] })
        ]));
      });
      box.appendChild(error);
      box.appendChild(control);
      return box;
    }
    if (kind === "select") {
      control = el("select", { id: id, name: name });
      for (var i = 0; i < spec[3].length; i += 2) control.appendChild(el("option", { value: spec[3][i], text: t[spec[3][i + 1]] }));
    } else if (kind === "textarea") {
      control = el("textarea", { id: id, name: name, rows: "5", required: required });
    } else {
      control = el("input", { id: id, name: name, type: kind === "checkbox" ? "checkbox" : kind, required: required,
        autocomplete: typeof spec[3] === "string" ? spec[3] : null, spellcheck: kind === "text" ? null : "false" });
    }
    if (hint) control.setAttribute("aria-describedby", hint.id);
    if (kind === "checkbox") {
      box.appendChild(error);
      box.appendChild(control);
      box.appendChild(el("label", { for: id, text: label }));
    } else {
      box.appendChild(el("label", { for: id, text: label }));
      if (hint) box.appendChild(hint);
      box.appendChild(error);
      box.appendChild(control);
    }
    return box;
  };

  ReferralForm.prototype.body = function () {
    var body = { referrer: {} }, form = this.form;
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || (input.type === "radio" && !input.checked)) return;
      var value = input.type === "checkbox" ? input.checked : input.value.trim();
      if (input.name === "preferred_contact" && value === "") return; // no preference: left out
      var path = input.name.split(".");
      if (path.length === 2) body[path[0]][path[1]] = value;
      else body[input.name] = value;
    });
    return body;
  };

  // What can be said before sending, in the form's language; everything else is the API's to say.
  ReferralForm.prototype.check = function (body) {
    var t = this.t, errors = {};
    ["first_name", "reason_for_referral"].forEach(function (name) { if (!body[name]) errors[name] = [t.missing]; });
    if (!body.referrer.name) errors["referrer.name"] = [t.missing];
    if (!body.phone && !body.email) errors.phone = [t.contact_missing];
    if (!body.client_consent) errors.client_consent = [t.consent_missing];
    return errors;
  };

  ReferralForm.prototype.send = function () {
    var self = this, t = this.t, body = this.body();
    var errors = this.check(body);
    if (Object.keys(errors).length) return this.showErrors(errors);
    var token = this.widget !== undefined && window.turnstile ? window.turnstile.getResponse(this.widget) : "";
    if (this.dataset.turnstileSitekey && !token) return this.showErrors({ body: [t.human] });
    var json = JSON.stringify(body);
    // The same fill sent again (a lost answer, a retry) keeps its key: the API answers it once.
    if (!this.fillKey || this.fillBody !== json) this.fillKey = uuid();
    this.fillBody = json;
    var headers = {
      "Content-Type": "application/json", Accept: "application/json, application/problem+json",
      Authorization: "Api-Key " + this.dataset.key, "Idempotency-Key": this.fillKey, "Accept-Language": this.lang_
    };
    if (token) headers["Turnstile-Token"] = token;
    this.button.disabled = true;
    this.button.textContent = t.sending;
    fetch(this.api, { method: "POST", mode: "cors", credentials: "omit", headers: headers, body: json })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return [response, data]; });
      })
      .then(function (result) {
        var response = result[0], data = result[1];
        if (response.status === 201 && data.reference) return self.showDone(data.reference);
        if (data.errors) return self.showErrors(data.errors);
        if (data.code === "origin_not_allowed" || data.code === "publishable_key_not_allowed") {
          return self.showErrors({ body: [t.not_allowed] });
        }
        self.showErrors({ body: [data.detail || t.failed] });
      }, function () { self.showErrors({ body: [t.offline] }); })
      .then(function () {
        self.button.disabled = false;
        self.button.textContent = t.send;
        if (self.widget !== undefined && window.turnstile) window.turnstile.reset(self.widget); // tokens are single-use
      });
  };

  ReferralForm.prototype.showErrors = function (errors) {
    var t = this.t, root = this.shadowRoot, summaryList = el("ul"), first = null;
    Array.prototype.forEach.call(root.querySelectorAll("[data-field]"), function (box) {
      box.classList.remove("invalid");
      var error = box.querySelector(".error"), control = box.querySelector("#" + idFor(box.dataset.field));
      error.hidden = true;
      error.textContent = "";
      if (control) {
        control.removeAttribute("aria-invalid");
        var hint = box.querySelector(".hint");
        if (hint) control.setAttribute("aria-describedby", hint.id); else control.removeAttribute("aria-describedby");
      }
    });
    Object.keys(errors).forEach(function (name) {
      var message = errors[name].join(" ");
      var box = root.querySelector('[data-field="' + name + '"]');
      var control = box && box.querySelector("#" + idFor(name));
      var target = control && control.tagName === "FIELDSET" ? control.querySelector("input") : control;
      if (box && target) {
        box.classList.add("invalid");
        var error = box.querySelector(".error");
        error.textContent = message;
        error.hidden = false;
        target.setAttribute("aria-invalid", "true");
        var hint = box.querySelector(".hint");
        target.setAttribute("aria-describedby", error.id + (hint ? " " + hint.id : ""));
        first = first || target;
        summaryList.appendChild(el("li", {}, [el("a", { href: "#" + target.id, "data-target": target.id, text: message })]));
      } else {
        summaryList.appendChild(el("li", { text: message }));
      }
    });
    this.summary.textContent = "";
    this.summary.appendChild(el("h3", { text: t.summary }));
    this.summary.appendChild(summaryList);
    this.summary.hidden = false;
    this.summary.onclick = function (event) {
      var id = event.target.getAttribute && event.target.getAttribute("data-target");
      if (id) { event.preventDefault(); root.getElementById(id).focus(); }
    };
    (first || this.summary).focus();
  };

  ReferralForm.prototype.showDone = function (reference) {
    var t = this.t, self = this;
    this.summary.hidden = true;
    this.form.remove();
    var again = el("button", { type: "button", text: t.another });
    again.addEventListener("click", function () { self.renderForm(); });
    var heading = el("h3", { tabindex: "-1", text: t.received });
    this.wrapper.appendChild(el("div", { class: "done", role: "status" }, [
      heading, el("p", {}, [el("span", { text: t.reference + " " }), el("span", { class: "ref", text: reference })]),
      el("p", { text: t.next }), again
    ]));
    heading.focus();
  };

  customElements.define("core-recovery-referral", ReferralForm);
})();
