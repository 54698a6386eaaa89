// Search the way Vietnamese is typed on phones: without diacritics, d for đ.
// Twin of survey_app/search.py; tests/vectors/search.json runs through both.
// fold() lower-cases, decomposes (NFD) and drops every combining mark, writes đ (and ð,
// which old Vietnamese encodings produced for Đ) as d, and collapses white space. A query
// matches when each of its words is found in the folded text.

export function fold(text) {
  return String(text ?? "")
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[đð]/g, "d")
    .replace(/[\s\x1c-\x1f\x85]+/g, " ")
    .trim();
}

export function queryWords(query) {
  return fold(query).split(" ").filter(Boolean);
}

// Whether every word of `query` occurs in `foldedText` (already folded).
export function matches(query, foldedText) {
  return queryWords(query).every((word) => foldedText.includes(word));
}
