// Paged survey forms (`layout: pages`): show only the first section as soon as the form is
// parsed, so that the whole form does not flash on screen before survey-form.js (a module,
// run after parsing) pages it. A classic script placed right after the form: CSP allows no
// inline script. If survey-form.js has not taken over within a few seconds (it failed to
// load), every section shows again: the form works without it, page by page or not.
(() => {
  const form = document.currentScript?.previousElementSibling;
  if (!form?.matches('form.survey[data-layout="pages"]')) return;
  const sections = [...form.querySelectorAll('section[data-section]')];
  sections.slice(1).forEach((section) => { section.hidden = true; });
  setTimeout(() => {
    if (!('paged' in form.dataset)) sections.forEach((section) => { section.hidden = false; });
  }, 4000);
})();
