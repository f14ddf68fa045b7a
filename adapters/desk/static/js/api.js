// api: the pages' one way to the desk's JSON API.  The session is the HttpOnly cookie; every
// POST carries the session's CSRF token (from /api/login or /api/session) as X-CSRF-Token.
// A refusal becomes an ApiError with a Chinese message for its HTTP status and the server's
// own words; a 401 outside the login means the session ended and tells the app so.

let csrf = null;

export function setCsrf(token) {
  csrf = token || null;
}

const MEANING = {
  400: '提交的内容有误',
  401: '登录已失效，请重新登录',
  403: '无权进行此操作',
  404: '未找到该工单，或无权查看',
  409: '工单当前的状态不允许此操作',
  422: '配置有误',
  423: '账号已锁定',
  429: '操作过于频繁，请稍后再试',
  503: '服务暂时不可用，请稍后重试',
};

export class ApiError extends Error {
  constructor(status, body) {
    const server = body && body.error ? body.error : '';
    const meaning = MEANING[status] || '请求失败（' + status + '）';
    super(server ? meaning + '（服务器说明：' + server + '）' : meaning);
    this.status = status;
    this.body = body;
    this.server = server;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: method === 'GET' ? undefined : JSON.stringify(body || {}),
    });
  } catch (error) {
    throw new ApiError(503, { error: '无法连接到工作台服务' });
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch (error) {
    answer = null;
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/login' && path !== '/api/session') {
      window.dispatchEvent(new CustomEvent('desk:session-ended'));
    }
    throw new ApiError(response.status, answer);
  }
  return answer;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);

// A query string of the set values of an object.
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') q.set(key, value);
  }
  const text = q.toString();
  return text ? '?' + text : '';
}
