// The API reference's sidebar lists what users call: each package's functions, classes (errors included) and
// constants, and the guides. Interfaces and type aliases keep their pages, search entries and the links
// from every signature that uses them; they only leave the sidebar, where they outnumbered the functions.
import { DefaultTheme, ReflectionKind } from 'typedoc';

const SHOWN =
  ReflectionKind.Project |
  ReflectionKind.Module |
  ReflectionKind.Namespace |
  ReflectionKind.Document |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Variable;

function prune(elements) {
  return elements.flatMap((element) => {
    if (element.kind !== undefined && (element.kind & SHOWN) === 0) return [];
    if (element.children === undefined) return [element];
    const children = prune(element.children);
    // A group whose every entry left (e.g. "Interfaces") leaves too.
    if (children.length === 0 && element.kind === undefined) return [];
    return [{ ...element, children }];
  });
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.defineTheme(
    'attache',
    class extends DefaultTheme {
      buildNavigation(project) {
        return prune(super.buildNavigation(project));
      }
    },
  );
}
