/* The body's block editor (content/forms.py, BlocksWidget): enhances the plain form the server renders.
 *
 * Without this script every block is a fieldset of ordinary fields, positions are numbers and one "Add a
 * block" row takes a new block. With it: buttons to add each kind of block, to move a block up or down and to
 * remove it; paragraph, quote and list text edited as rich text with Bold, Italic and Link (Ctrl+B, Ctrl+I,
 * Ctrl+K), kept in the form's textarea as the three-tag markup the server reads; and "Copy the English body".
 * No inline script or style: the admin's Content-Security-Policy allows neither.
 */
(function () {
  "use strict";

  var LABELS = {
    heading: "Heading",
    paragraph: "Paragraph",
    list: "List",
    quote: "Quote",
    call_to_action: "Call to action",
    crisis_resources: "Crisis resources",
    image: "Image"
  };

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function escapeAttribute(text) {
    return escapeText(text).replace(/"/g, "&quot;");
  }

  /* Markup (<strong>, <em>, <a href>, <br>) of a rich-text element's children; anything else is text. */
  function toMarkup(node) {
    var out = "";
    node.childNodes.forEach(function (child) {
      if (child.nodeType === Node.TEXT_NODE) {
        out += escapeText(child.nodeValue.replace(/\u00a0/g, " "));
        return;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      var tag = child.tagName.toLowerCase();
      var inner = toMarkup(child);
      if (tag === "br") {
        out += "<br>";
      } else if (tag === "strong" || tag === "b") {
        out += inner ? "<strong>" + inner + "</strong>" : "";
      } else if (tag === "em" || tag === "i") {
        out += inner ? "<em>" + inner + "</em>" : "";
      } else if (tag === "a" && child.getAttribute("href")) {
        out += '<a href="' + escapeAttribute(child.getAttribute("href")) + '">' + inner + "</a>";
      } else if (tag === "div" || tag === "p") {
        out += (out ? "<br>" : "") + inner;
      } else {
        out += inner;
      }
    });
    return out;
  }

  /* Builds safe DOM from markup: parsed inert in a <template>, then only the allowed elements copied. */
  function fromMarkup(markup, target) {
    var template = document.createElement("template");
    template.innerHTML = markup;
    function copy(source, into) {
      source.childNodes.forEach(function (child) {
        if (child.nodeType === Node.TEXT_NODE) {
          into.appendChild(document.createTextNode(child.nodeValue));
          return;
        }
        if (child.nodeType !== Node.ELEMENT_NODE) {
          return;
        }
        var tag = child.tagName.toLowerCase();
        var element = null;
        if (tag === "strong" || tag === "b") {
          element = document.createElement("strong");
        } else if (tag === "em" || tag === "i") {
          element = document.createElement("em");
        } else if (tag === "a") {
          element = document.createElement("a");
          element.setAttribute("href", child.getAttribute("href") || "");
        } else if (tag === "br") {
          into.appendChild(document.createElement("br"));
          return;
        }
        if (element) {
          copy(child, element);
          into.appendChild(element);
        } else {
          copy(child, into);
        }
      });
    }
    copy(template.content, target);
  }

  function button(text, title) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button block-button";
    element.textContent = text;
    if (title) {
      element.setAttribute("aria-label", title);
    }
    return element;
  }

  function askLink(editable) {
    var href = window.prompt("Link to a path on the site (/programs/) or an https:// address:", "https://");
    if (href === null) {
      return;
    }
    href = href.trim();
    editable.focus();
    if (!href) {
      document.execCommand("unlink");
    } else {
      document.execCommand("createLink", false, href);
    }
  }

  /* A textarea[data-rich] becomes a rich-text box; the textarea, hidden, still carries the value. */
  function enhanceRich(textarea) {
    if (textarea.dataset.enhanced) {
      return;
    }
    textarea.dataset.enhanced = "1";
    var isList = textarea.dataset.rich === "list";
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var toolbar = document.createElement("div");
    toolbar.className = "rich-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Text formatting");
    var bold = button("Bold", "Bold (Ctrl+B)");
    var italic = button("Italic", "Italic (Ctrl+I)");
    var link = button("Link", "Link (Ctrl+K)");
    var unlink = button("Remove link");
    [bold, italic, link, unlink].forEach(function (control) {
      toolbar.appendChild(control);
    });
    var editable = document.createElement("div");
    editable.className = "rich-text" + (isList ? " rich-list" : "");
    editable.contentEditable = "true";
    editable.setAttribute("role", "textbox");
    editable.setAttribute("aria-multiline", "true");
    editable.id = textarea.id + "-rich";
    if (label) {
      label.setAttribute("for", editable.id);
      label.id = label.id || textarea.id + "-label";
      editable.setAttribute("aria-labelledby", label.id);
    }
    if (textarea.getAttribute("aria-describedby")) {
      editable.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    if (isList) {
      // The list's own <ul> inside the text box: a role on the list itself would hide its items' semantics.
      var list = document.createElement("ul");
      var lines = textarea.value ? textarea.value.split("\n") : [""];
      lines.forEach(function (line) {
        var item = document.createElement("li");
        fromMarkup(line, item);
        if (!item.childNodes.length) {
          item.appendChild(document.createElement("br"));
        }
        list.appendChild(item);
      });
      editable.appendChild(list);
    } else {
      fromMarkup(textarea.value, editable);
    }
    function sync() {
      if (isList) {
        var items = [];
        editable.querySelectorAll("li").forEach(function (item) {
          items.push(toMarkup(item).replace(/<br>/g, " ").trim());
        });
        if (!items.length) {
          // Everything deleted and typed again outside a list item: each line an item.
          items = toMarkup(editable).split("<br>");
        }
        textarea.value = items.join("\n");
      } else {
        textarea.value = toMarkup(editable);
      }
    }
    editable.addEventListener("input", sync);
    editable.addEventListener("blur", sync);
    editable.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        askLink(editable);
        sync();
      }
    });
    bold.addEventListener("click", function () {
      editable.focus();
      document.execCommand("bold");
      sync();
    });
    italic.addEventListener("click", function () {
      editable.focus();
      document.execCommand("italic");
      sync();
    });
    link.addEventListener("click", function () {
      askLink(editable);
      sync();
    });
    unlink.addEventListener("click", function () {
      editable.focus();
      document.execCommand("unlink");
      sync();
    });
    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(editable, textarea);
    if (textarea.form) {
      textarea.form.addEventListener("submit", sync);
    }
  }

  function renumber(editor) {
    editor.querySelectorAll("[data-block-list] > [data-block]").forEach(function (block, position) {
      var order = block.querySelector(".block-order input");
      if (order) {
        order.value = String(position + 1);
      }
      var number = block.querySelector(".block-number");
      if (number) {
        number.textContent = "Block " + (position + 1);
      }
    });
  }

  function enhanceBlock(editor, block) {
    if (block.dataset.enhanced) {
      return;
    }
    block.dataset.enhanced = "1";
    var controls = block.querySelector(".block-controls");
    controls.querySelectorAll("label").forEach(function (label) {
      label.hidden = true;
    });
    var kind = (LABELS[block.dataset.type] || "block").toLowerCase();
    var up = button("Move up", "Move up: this " + kind + " block");
    var down = button("Move down", "Move down: this " + kind + " block");
    var remove = button("Remove", "Remove: this " + kind + " block");
    remove.classList.add("block-remove-button");
    [up, down, remove].forEach(function (control) {
      controls.appendChild(control);
    });
    up.addEventListener("click", function () {
      var previous = block.previousElementSibling;
      if (previous) {
        block.parentNode.insertBefore(block, previous);
        renumber(editor);
        up.focus();
      }
    });
    down.addEventListener("click", function () {
      var next = block.nextElementSibling;
      if (next) {
        block.parentNode.insertBefore(next, block);
        renumber(editor);
        down.focus();
      }
    });
    remove.addEventListener("click", function () {
      var focusAfter = block.nextElementSibling || block.previousElementSibling;
      block.remove();
      renumber(editor);
      var target = focusAfter ? focusAfter.querySelector("legend") : editor.querySelector("[data-block-adders] button");
      if (target) {
        target.setAttribute("tabindex", "-1");
        target.focus();
      }
    });
    block.querySelectorAll("textarea[data-rich]").forEach(enhanceRich);
    block.querySelectorAll("select[data-image-picker]").forEach(enhancePicker);
  }

  /* An image block's select: the chosen image's thumbnail beside it, kept in step as the choice changes. */
  function enhancePicker(select) {
    var thumbnail = select.parentNode.querySelector("[data-image-thumbnail]");
    if (!thumbnail) {
      return;
    }
    function show() {
      var option = select.options[select.selectedIndex];
      var url = option ? option.getAttribute("data-thumbnail") : "";
      if (url) {
        thumbnail.src = url;
        thumbnail.hidden = false;
      } else {
        thumbnail.removeAttribute("src");
        thumbnail.hidden = true;
      }
    }
    select.addEventListener("change", show);
    show();
  }

  function addBlock(editor, kind, values) {
    var template = editor.querySelector('template[data-block-template="' + kind + '"]');
    var count = editor.querySelector("[data-block-count]");
    var index = String(parseInt(count.value, 10) || 0);
    count.value = String(parseInt(index, 10) + 1);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__i__/g, index);
    var block = holder.firstElementChild;
    Object.keys(values || {}).forEach(function (key) {
      var field = block.querySelector('[name$="-' + index + "-" + key + '"]');
      if (field) {
        field.value = values[key];
      }
    });
    editor.querySelector("[data-block-list]").appendChild(block);
    enhanceBlock(editor, block);
    renumber(editor);
    return block;
  }

  function blockValues(block) {
    var values = {};
    block.querySelectorAll("input, select, textarea").forEach(function (field) {
      var match = /-(\d+|__i__)-([a-z_]+)$/.exec(field.name || "");
      if (match && field.type !== "checkbox" && match[2] !== "order" && match[2] !== "type") {
        values[match[2]] = field.value;
      }
    });
    return values;
  }

  function enhanceCopy(editor) {
    var copy = editor.querySelector("[data-block-copy]");
    if (!copy) {
      return;
    }
    var source = document.querySelector('[data-block-editor][data-name="' + copy.dataset.blockCopy + '"]');
    if (!source) {
      return;
    }
    copy.querySelector("label").hidden = true;
    var action = button("Copy the English body to Spanish");
    action.classList.add("block-copy-button");
    copy.appendChild(action);
    action.addEventListener("click", function () {
      var existing = editor.querySelectorAll("[data-block-list] > [data-block]");
      if (existing.length && !window.confirm("Replace the Spanish body with a copy of the English one?")) {
        return;
      }
      source.querySelectorAll("textarea[data-rich]").forEach(function (textarea) {
        textarea.dispatchEvent(new Event("blur"));
      });
      source.querySelectorAll(".rich-text").forEach(function (editable) {
        editable.dispatchEvent(new Event("blur"));
      });
      existing.forEach(function (block) {
        block.remove();
      });
      var first = null;
      source.querySelectorAll("[data-block-list] > [data-block]").forEach(function (block) {
        var added = addBlock(editor, block.dataset.type, blockValues(block));
        first = first || added;
      });
      var status = editor.querySelector("[data-block-status]");
      status.textContent = "The English body was copied here: translate each block, then save.";
      if (first) {
        var field = first.querySelector(".rich-text, input[type=text], textarea");
        if (field) {
          field.focus();
        }
      }
    });
  }

  function enhance(editor) {
    var addRow = editor.querySelector("[data-block-add-row]");
    if (addRow) {
      addRow.remove(); // its fields would post an extra, empty block; the buttons below add blocks instead
    }
    var adders = document.createElement("div");
    adders.className = "block-adders";
    adders.setAttribute("data-block-adders", "");
    adders.setAttribute("role", "group");
    adders.setAttribute("aria-label", "Add a block");
    var caption = document.createElement("span");
    caption.className = "block-adders-caption";
    caption.textContent = "Add a block: ";
    adders.appendChild(caption);
    Object.keys(LABELS).forEach(function (kind) {
      var noun = LABELS[kind].toLowerCase();
      var add = button(LABELS[kind], "Add " + (/^[aeiou]/.test(noun) ? "an " : "a ") + noun + " block");
      add.dataset.addBlock = kind;
      add.addEventListener("click", function () {
        var block = addBlock(editor, kind, {});
        var field = block.querySelector(".rich-text, input[type=text], textarea, select");
        (field || block.querySelector("button")).focus();
      });
      adders.appendChild(add);
    });
    var status = document.createElement("p");
    status.className = "block-status";
    status.setAttribute("role", "status");
    status.setAttribute("data-block-status", "");
    editor.querySelector("[data-block-list]").after(adders, status);
    editor.querySelectorAll("[data-block-list] > [data-block]").forEach(function (block) {
      enhanceBlock(editor, block);
    });
    enhanceCopy(editor);
    editor.classList.add("block-editor-enhanced");
  }

  function start() {
    document.querySelectorAll("[data-block-editor]").forEach(enhance);
    // Image selects outside the body (a hero image): their thumbnails too.
    document.querySelectorAll("select[data-image-picker]").forEach(function (select) {
      if (!select.closest("[data-block-editor]")) {
        enhancePicker(select);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
