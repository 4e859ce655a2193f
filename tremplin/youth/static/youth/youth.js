/* Progressive enhancement of the young person form (the form works without this file):
 * - input[data-commune-autocomplete]: proposals from the communes API as one types;
 * - input[data-rome-picker]: a search over ROME fiches and appellations, the chosen fiches shown
 *   as removable tags, each carrying a hidden input named like the original field.
 * Both follow the ARIA 1.2 combobox pattern: arrows move in the list, Enter chooses, Escape closes. */
(function () {
  "use strict";

  var counter = 0;

  function liveRegion(after) {
    var region = document.createElement("p");
    region.className = "fr-sr-only";
    region.setAttribute("aria-live", "polite");
    after.insertAdjacentElement("afterend", region);
    return region;
  }

  /* A combobox over `input`: `fetchOptions(text)` resolves to [{label, hint, value}], `onChoose(option)`.
   * `searchOnly`: the input is only a search box, so Enter never submits the form from it. */
  function combobox(input, fetchOptions, onChoose, searchOnly) {
    var listId = "tremplin-listbox-" + ++counter;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "tremplin-listbox";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    var status = liveRegion(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var options = [], active = -1, timer = null, lastQuery = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.children;
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = index;
      if (active >= 0 && items[active]) {
        items[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var option = options[index];
      close();
      if (option) onChoose(option);
    }

    function show(found) {
      options = found;
      list.textContent = "";
      found.forEach(function (option, index) {
        var item = document.createElement("li");
        item.id = listId + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = option.label;
        if (option.hint) {
          var hint = document.createElement("span");
          hint.className = "tremplin-listbox__hint";
          hint.textContent = " " + option.hint;
          item.appendChild(hint);
        }
        // mousedown, not click: it comes before the input's blur closes the list.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(item);
      });
      active = -1;
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      status.textContent = found.length
        ? found.length + " proposition" + (found.length > 1 ? "s" : "") + " ; flèches pour parcourir, Entrée pour choisir."
        : "Aucune proposition.";
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) {
        close();
        return;
      }
      timer = setTimeout(function () {
        lastQuery = text;
        fetchOptions(text).then(function (found) {
          if (lastQuery === text && document.activeElement === input) show(found);
        }).catch(function () { close(); });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) return;
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : options.length - 1) : (active + step + options.length) % options.length);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault(); // choose, do not submit the form
        choose(active);
      } else if (event.key === "Enter" && searchOnly && input.value.trim()) {
        event.preventDefault();
        if (!list.hidden && options.length === 1) choose(0);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    return { status: status };
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
      function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }
    );
  }

  function withQuery(base, text, extra) {
    return base + (base.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(text) + (extra || "");
  }

  function setUpCommune(input) {
    var url = input.getAttribute("data-commune-autocomplete");
    combobox(
      input,
      function (text) {
        return getJson(withQuery(url, text, "&limit=8")).then(function (communes) {
          return communes.map(function (c) {
            return {
              label: c.name + " (" + c.department_code + ")",
              hint: c.postal_codes.slice(0, 3).join(", "),
            };
          });
        });
      },
      function (option) {
        input.value = option.label; // "Name (dept)": what the server resolves
      }
    );
  }

  function setUpRomePicker(input) {
    var url = input.getAttribute("data-rome-picker");
    var name = input.name;
    var wrapper = input.closest(".tremplin-rome-picker") || input.parentElement;
    var staticTags = wrapper.querySelector("[data-rome-selection]");
    var tags = document.createElement("ul");
    tags.className = "fr-tags-group fr-mt-1w";
    tags.setAttribute("aria-label", "Métiers choisis");
    var selected = {};

    // The input becomes the search box: it no longer sends codes, the hidden inputs do.
    input.removeAttribute("name");
    input.value = "";
    input.type = "search";
    if (staticTags) staticTags.remove();
    var box = combobox(
      input,
      function (text) {
        return getJson(withQuery(url, text)).then(function (fiches) {
          return fiches.map(function (f) {
            return {
              label: f.code + " – " + f.label,
              hint: f.match ? "(" + f.match + ")" : "",
              value: f.code,
              text: f.label,
            };
          });
        });
      },
      function (option) {
        add(option.value, option.text);
        input.value = "";
        box.status.textContent = option.label + " ajouté.";
      },
      true
    );
    wrapper.appendChild(tags);

    function add(code, label) {
      if (selected[code]) return;
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "fr-tag fr-tag--dismiss";
      button.textContent = code + " – " + label;
      button.setAttribute("aria-label", "Retirer " + code + " – " + label);
      button.addEventListener("click", function () {
        item.remove();
        delete selected[code];
        box.status.textContent = code + " – " + label + " retiré.";
        input.focus();
      });
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = code;
      item.appendChild(button);
      item.appendChild(hidden);
      tags.appendChild(item);
      selected[code] = true;
    }

    if (staticTags) {
      staticTags.querySelectorAll("[data-code]").forEach(function (tag) {
        add(tag.getAttribute("data-code"), tag.getAttribute("data-label"));
      });
    }
  }

  document.querySelectorAll("input[data-commune-autocomplete]").forEach(setUpCommune);
  document.querySelectorAll("input[data-rome-picker]").forEach(setUpRomePicker);
})();
