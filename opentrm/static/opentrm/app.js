// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // After a refused submit, the focus goes to the summary of the reasons (components/
  // form_errors.html), which links to each field in error.
  document.querySelector("[data-error-summary]")?.focus();
  // Ask before a destructive button submits (CSP allows no inline onclick handlers).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const select of document.querySelectorAll("select[data-picker]")) pickerFilter(select);
  for (const list of document.querySelectorAll("div.picker-list")) pickerFilter(list);
});

// A filter box above a long <select> or list of check boxes (directory/pickers.py): every
// word typed must appear in an option's text or its group's (country) name, accents ignored.
function folded(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function pickerFilter(control) {
  const isSelect = control.tagName === "SELECT";
  const first = isSelect ? control : control.querySelector("input");
  if (!first) return;
  const box = document.createElement("input");
  box.type = "search";
  box.autocomplete = "off";
  box.className = "picker-filter";
  box.setAttribute("aria-label", first.dataset.picker);
  box.placeholder = first.dataset.pickerHint || "";
  box.setAttribute("aria-controls", control.id);
  control.before(box);
  const items = isSelect
    ? [...control.options].filter((option) => option.value !== "")
    : [...control.querySelectorAll("input")].map((input) => input.closest("div"));
  const text = new Map(
    items.map((item) => {
      const group = item.parentElement.tagName === "OPTGROUP" ? item.parentElement.label : "";
      return [item, folded(`${item.textContent} ${group}`)];
    }),
  );
  box.addEventListener("input", () => {
    const words = folded(box.value).split(/\s+/).filter(Boolean);
    const shown = [];
    for (const item of items) {
      const checked = !isSelect && item.querySelector("input").checked;
      const match = checked || words.every((word) => text.get(item).includes(word));
      item.hidden = !match;
      if (match) shown.push(item);
    }
    if (isSelect) {
      for (const group of control.querySelectorAll("optgroup")) {
        group.hidden = ![...group.children].some((option) => !option.hidden);
      }
      // One match (or one whose name starts with what was typed: "romanian", not
      // "Macedo-Romanian") is chosen at once; with several the list opens to show them.
      const typed = words.join(" ");
      const starting = shown.filter((item) => folded(item.textContent).startsWith(typed));
      const only = shown.length === 1 ? shown[0] : starting.length === 1 ? starting[0] : null;
      if (words.length && only) only.selected = true;
      else if (control.selectedOptions[0]?.hidden) control.value = "";
      control.size = words.length && shown.length > 1 ? Math.min(shown.length + 1, 8) : 0;
    }
  });
  // Enter in the filter box picks, it never submits the form half-filled.
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
}

// A section of the case file swapped in by htmx (cases/_case_sections.html): the focus goes to
// its first heading, so keyboard and screen-reader users go on where the new content starts
// instead of on a link of the navigation the page no longer shows beside it.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (!target || target.id !== "case-file") return;
  const heading = target.querySelector("#case-section h2");
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus();
});
