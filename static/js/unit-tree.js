// Live filter for the unit tree: hides units that do not match as the user types and opens
// the branches that lead to matches. Without JavaScript the search form does the same on the server.
const input = document.querySelector("[data-tree-filter]");
const tree = input && document.querySelector(input.dataset.treeFilter);

function fold(text) {
  return text.normalize("NFC").toLocaleLowerCase("vi");
}

function filter(li, needle) {
  const own = li.querySelector(":scope > details > summary, :scope > .leaf");
  const children = li.querySelectorAll(":scope > details > ul > li");
  let childMatch = false;
  for (const child of children) {
    if (filter(child, needle)) childMatch = true;
  }
  const selfMatch = !needle || fold(own.textContent).includes(needle);
  const details = li.querySelector(":scope > details");
  if (details && needle) details.open = childMatch;
  li.hidden = !(selfMatch || childMatch);
  return selfMatch || childMatch;
}

if (input && tree) {
  input.addEventListener("input", () => {
    const needle = fold(input.value.trim());
    for (const li of tree.querySelectorAll(":scope > li")) filter(li, needle);
  });
}
