// A search box above every unit select (select[data-unit-picker], made by
// survey_app/units/picker.py): typing "dak ha" keeps Đắk Hà's units and the units above
// them; the empty choice and the chosen unit always stay. Each option carries its unit's
// folded name and code in data-search (folded on the server by survey_app/search.py; the
// query is folded here by the same rule). Without JavaScript the select works as it is.
import { fold, queryWords } from "./search.js";

// Which entries to show for `query`, and how many match. Entries, in tree order:
// {search, depth, blank, selected}. A match shows the entries above it (smaller depth).
export function visibleOptions(entries, query) {
  const words = queryWords(query);
  if (!words.length) return { show: entries.map(() => true), matched: null };
  const show = entries.map((e) => e.blank || e.selected);
  const above = [];
  let matched = 0;
  entries.forEach((entry, i) => {
    if (entry.blank) return;
    while (above.length && entries[above[above.length - 1]].depth >= entry.depth) above.pop();
    if (words.every((word) => entry.search.includes(word))) {
      matched += 1;
      show[i] = true;
      for (const j of above) show[j] = true;
    }
    above.push(i);
  });
  return { show, matched };
}

function countText(select, matched) {
  if (matched === null) return "";
  if (matched === 0) return select.dataset.countNone;
  if (matched === 1) return select.dataset.countOne;
  return select.dataset.countMany.replace("{n}", String(matched));
}

function enhance(select) {
  const options = [...select.options];
  const entries = options.map((option) => ({
    search: option.dataset.search ?? fold(`${option.textContent} ${option.value}`),
    depth: Number(option.dataset.depth ?? 0),
    blank: option.value === "",
  }));
  const input = document.createElement("input");
  input.type = "search";
  input.className = "picker-search";
  input.autocomplete = "off";
  input.placeholder = select.dataset.placeholder;
  input.setAttribute("aria-label", select.dataset.searchLabel);
  input.setAttribute("aria-controls", select.id);
  input.setAttribute("enterkeyhint", "search");
  const status = document.createElement("p");
  status.className = "hint picker-count";
  status.setAttribute("aria-live", "polite");
  select.before(input);
  select.after(status);

  input.addEventListener("input", () => {
    const chosen = select.value;
    const { show, matched } = visibleOptions(
      entries.map((e, i) => ({ ...e, selected: !e.blank && options[i].value === chosen })),
      input.value,
    );
    select.replaceChildren(...options.filter((_, i) => show[i]));
    select.value = chosen;
    status.textContent = countText(select, matched);
  });
  // Enter looks, it does not send the form: go on to the list.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      select.focus();
    }
  });
}

if (typeof document !== "undefined") {
  for (const select of document.querySelectorAll("select[data-unit-picker]")) enhance(select);
}
