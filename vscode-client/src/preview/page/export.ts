/**
 * Export to SVG: the drawn graph with the theme's colours written into each element, since the
 * CSS variables that colour it exist only inside VS Code.
 */

const PROPERTIES = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-family', 'font-size', 'font-weight', 'opacity'];

export function standaloneSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [copy, ...Array.from(copy.querySelectorAll('*'))];
  originals.forEach((element, i) => {
    const style = getComputedStyle(element);
    const target = copies[i] as SVGElement;
    // through the CSSOM: the page's CSP blocks writing style attributes as text
    for (const name of PROPERTIES) target.style.setProperty(name, style.getPropertyValue(name));
  });
  // the click targets over a node's marks are for the page only
  for (const hit of copy.querySelectorAll('.mark-hit')) hit.remove();
  const background = getComputedStyle(document.body).backgroundColor;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.style.backgroundColor = background;
  copy.style.transform = '';
  return new XMLSerializer().serializeToString(copy);
}
