/**
 * A small hash router: the views are few and flat, and the hash keeps a reload on the same view
 * (in Electron the page is app://face-organizer/index.html, in web mode a single page). `#/people`, `#/person/<id>`,
 * `#/photo/<id>`… The web token also arrives in the hash; the API client takes it out first.
 */
import { computed, reactive, readonly } from 'vue';

export type ViewName = 'photos' | 'people' | 'person' | 'search' | 'find' | 'tasks' | 'settings';

export interface Route {
  view: ViewName;
  /** Person id for `person`. */
  id: string | null;
  /** The photo open in the viewer, over any view (`?photo=<id>`). */
  photo: string | null;
  /** Videos: where the viewer starts playing, seconds (`&t=12.5`, a clip result). */
  time: number | null;
}

const VIEWS: readonly ViewName[] = ['photos', 'people', 'person', 'search', 'find', 'tasks', 'settings'];

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, id] = path.split('/');
  const params = new URLSearchParams(query);
  const view = (VIEWS as readonly string[]).includes(name ?? '') ? (name as ViewName) : 'photos';
  const t = Number(params.get('t'));
  return { view, id: id ? decodeURIComponent(id) : null, photo: params.get('photo'), time: params.has('t') && Number.isFinite(t) ? t : null };
}

export function formatHash(route: Route): string {
  const path = route.id ? `${route.view}/${encodeURIComponent(route.id)}` : route.view;
  const query = new URLSearchParams();
  if (route.photo) query.set('photo', route.photo);
  if (route.photo && route.time !== null) query.set('t', String(route.time));
  const q = query.toString();
  return `#/${path}${q ? `?${q}` : ''}`;
}

const state = reactive<Route>(parseHash(typeof location === 'undefined' ? '' : location.hash));

export function startRouter(): void {
  window.addEventListener('hashchange', () => Object.assign(state, parseHash(location.hash)));
}

export const route = readonly(state);
export const currentView = computed(() => state.view);

export function navigate(to: Partial<Route> & { view?: ViewName }, options: { replace?: boolean } = {}): void {
  const next: Route = {
    view: to.view ?? state.view,
    id: to.id !== undefined ? to.id : to.view && to.view !== state.view ? null : state.id,
    photo: to.photo !== undefined ? to.photo : null,
    time: to.time !== undefined ? to.time : null,
  };
  const hash = formatHash(next);
  Object.assign(state, next);
  if (location.hash === hash) return;
  if (options.replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
}

/** Opens (or, with null, closes) the viewer over the current view; videos can start at `time`. */
export function openPhoto(id: string | null, time: number | null = null): void {
  navigate({ view: state.view, id: state.id, photo: id, time }, { replace: state.photo !== null });
}
