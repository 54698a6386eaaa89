// Live filter for the unit tree: hides units that do not match as the user types and opens
// the branches that lead to matches. Without JavaScript the search form does the same on the
// server. Each unit's <li> carries its folded name and code in data-search (survey_app/search.py);
// the query is folded by the same rule (search.js): "dak ha" finds Đắk Hà.
import { queryWords } from "./search.js";

const input = document.querySelector("[data-tree-filter]");
const tree = input && document.querySelector(input.dataset.treeFilter);

function filter(li, words) {
  const children = li.querySelectorAll(":scope > details > ul > li");
  let childMatch = false;
  for (const child of children) {
    if (filter(child, words)) childMatch = true;
  }
  const search = li.dataset.search ?? "";
  const selfMatch = words.every((word) => search.includes(word));
  const details = li.querySelector(":scope > details");
  if (details && words.length) details.open = childMatch;
  li.hidden = !(selfMatch || childMatch);
  return selfMatch || childMatch;
}

if (input && tree) {
  input.addEventListener("input", () => {
    const words = queryWords(input.value);
    for (const li of tree.querySelectorAll(":scope > li")) filter(li, words);
  });
}
