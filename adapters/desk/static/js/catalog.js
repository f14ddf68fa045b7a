// catalog: the departments, categories and regions of GET /api/catalog, read once per
// session, for the pickers and to name the ids the lists answer.

import { get } from './api.js';

let loaded = null;

export async function catalog() {
  if (!loaded) loaded = get('/api/catalog').catch((error) => { loaded = null; throw error; });
  return loaded;
}

export function forget() {
  loaded = null;
}

function lookup(list, id) {
  const found = (list || []).find((item) => item.id === id);
  return found ? found.name : (id || '—');
}

export const departmentName = (cat, id) => lookup(cat.departments, id);
export const regionName = (cat, id) => lookup(cat.regions, id);
export const categoryName = (cat, id) => lookup(cat.categories, id);

// [id, name] pairs for a <select>, with a first empty choice when given.
export function pairs(list, first) {
  const all = (list || []).map((item) => [item.id, item.group ? item.group + ' · ' + item.name : item.name]);
  return first !== undefined ? [['', first], ...all] : all;
}
