/* Commune suggestions for input[data-commune-suggestions]: the input's <datalist> is filled from the
 * communes API as one types. Without this file the field still works: the server resolves the text
 * and, when it is ambiguous, lists the matching communes as links. */
(function () {
  "use strict";
  document.querySelectorAll("input[data-commune-suggestions]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      clearTimeout(timer);
      if (text.length < 2 || text === last || /\(\w{5}\)$/.test(text)) return;
      timer = setTimeout(function () {
        last = text;
        var url = input.dataset.communeSuggestions + "?limit=10&q=" + encodeURIComponent(text);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (communes) {
            list.textContent = "";
            communes.forEach(function (commune) {
              var option = document.createElement("option");
              var code = commune.postal_codes && commune.postal_codes.length ? commune.postal_codes[0] : commune.insee_code;
              option.value = commune.name + " (" + code + ")";
              option.label = commune.department_name || "";
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience: typing the name still works */ });
      }, 200);
    });
  });
})();
