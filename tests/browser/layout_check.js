// What a person stumbles on at a phone's width, found in the rendered page (run by
// tests/browser/conftest.py: layout_problems). Returns a list of readable problems.
//
// * a word broken across lines: each whitespace-separated word of each visible text node
//   is measured with Range.getClientRects(); rects on more than one line mean the word was
//   split ("P/h/â/n v/â/n"). A break right after a hyphen the word contains ("20-" /
//   "NQ/TW") is where any text may wrap, and allowed, except in <code> (unit codes such
//   as KT-DAKHA stay whole). Text that may break anywhere on
//   purpose (a poll URL, a token, a person's free-text answer) sits inside an element
//   marked `.breakable` or `[data-breakable]`, styled `overflow-wrap: anywhere`.
// * anything wider than the screen: the document itself, or a visible element sticking out
//   of the viewport that no scroll container (overflow-x auto/scroll/hidden/clip) holds.
// * a control shorter than a 44 px tap target: inputs (date and time ones included),
//   selects, text areas, buttons, links styled as buttons, summaries. A checkbox or radio
//   counts as its label row.
(width) => {
  const problems = [];
  const ALLOWED = ".breakable, [data-breakable]";

  function describe(el) {
    const parts = [];
    for (let node = el; node && node !== document.body && parts.length < 4; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) part += `#${node.id}`;
      for (const cls of node.classList) part += `.${cls}`;
      parts.unshift(part);
    }
    const text = (el.textContent || el.value || "").replace(/\s+/g, " ").trim().slice(0, 50);
    return `${parts.join(" > ")}${text ? ` "${text}"` : ""}`;
  }

  function visible(el) {
    return el.checkVisibility({ opacityProperty: false, visibilityProperty: true });
  }

  // 1. words broken across lines
  const range = document.createRange();
  const lineOf = (rects, lines) => {
    for (const r of rects) {
      const middle = (r.top + r.bottom) / 2;
      if (!lines.some((l) => middle > l.top && middle < l.bottom)) lines.push(r);
    }
    return lines;
  };
  // Whether every line of the word but the last ends with a hyphen of its own.
  function breaksAtHyphens(node, start, word) {
    let previousTop = null;
    for (let i = 0; i < word.length; i++) {
      range.setStart(node, start + i);
      range.setEnd(node, start + i + 1);
      const box = [...range.getClientRects()].find((r) => r.height > 0);
      if (!box) continue;
      if (previousTop !== null && box.top >= previousTop.bottom - 1 && !"-\u2010\u00ad".includes(word[i - 1])) {
        return false;
      }
      previousTop = box;
    }
    return true;
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, noscript, template, option, textarea, select")) continue;
    if (el.closest(ALLOWED) || !visible(el)) continue;
    const words = /\S+/g;
    for (let m = words.exec(node.data); m; m = words.exec(node.data)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      const lines = lineOf(rects, []);
      // a code (KT-DAKHA, 20-NQ/TW as <code>) is one word even at its hyphens
      if (lines.length > 1 && (el.closest("code") || !breaksAtHyphens(node, m.index, m[0]))) {
        problems.push(`word "${m[0]}" broken over ${lines.length} lines in ${describe(el)}`);
      }
    }
  }

  // 2. horizontal overflow
  const root = document.documentElement;
  if (root.scrollWidth > width) {
    problems.push(`the page is ${root.scrollWidth} px wide on a ${width} px screen`);
  }
  function scrolledAway(el) {
    // inside a container that scrolls or clips sideways and itself fits the screen
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflowX = getComputedStyle(node).overflowX;
      if (["auto", "scroll", "hidden", "clip"].includes(overflowX)) {
        const box = node.getBoundingClientRect();
        return box.left >= -0.5 && box.right <= width + 0.5;
      }
    }
    return false;
  }
  const reported = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (reported.some((r) => r.contains(el)) || !visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= 0) continue; // moved off screen on purpose (skip link, honeypot)
    if (box.left < -0.5 || box.right > width + 0.5) {
      if (scrolledAway(el)) continue;
      reported.push(el);
      problems.push(
        `${describe(el)} sticks out of the screen (${Math.round(box.left)}..${Math.round(box.right)} px of ${width})`,
      );
    }
  }

  // 3. tap targets
  const controls = document.body.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button, a.button, summary",
  );
  for (const el of controls) {
    if (!visible(el) || el.closest(".skip, .visually-hidden, [aria-hidden=true]")) continue;
    if (el.getBoundingClientRect().right <= 0) continue; // off screen on purpose (honeypot)
    let target = el;
    if (el.type === "checkbox" || el.type === "radio") target = el.closest("label") || el;
    const height = target.getBoundingClientRect().height;
    if (height > 0 && height < 43.5) {
      problems.push(`${describe(el)} is ${Math.round(height)} px tall (a tap target needs 44 px)`);
    }
  }
  return problems;
}
