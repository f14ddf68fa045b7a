// labels: the Chinese names of what the API answers in English ids: states, types,
// urgencies, lights, channels, deadline stages, call-back answers, roles and event kinds.

export const STATES = {
  received: '已受理', classified: '已分类', triage: '待人工分拨', dispatched: '已派单',
  signed_for: '已签收', responded: '已答复', closed: '已办结', merged: '已并单',
};
export const TYPES = {
  complaint: '投诉', report: '举报', enquiry: '咨询', help: '求助', suggestion: '建议', praise: '表扬',
};
export const URGENCIES = { urgent: '紧急', normal: '一般' };
export const LIGHTS = { red: '红灯（已超期）', yellow: '黄灯（临近期限）', green: '绿灯（正常）' };
export const LIGHT_SHORT = { red: '超期', yellow: '临期', green: '正常' };
export const CHANNELS = {
  hotline12345: '12345热线', hotline12315: '12315热线', web: '网上诉求', wechat: '微信', email: '电子邮件',
};
export const STAGES = { sign_for: '签收', first_response: '首次答复', close: '办结' };
export const SATISFACTION = { satisfied: '满意', basically: '基本满意', dissatisfied: '不满意' };
export const ROLES = { admin: '管理员', operator: '接线员', supervisor: '督办员', department: '部门分拨台' };
export const BY = { department: '按部门', category: '按分类', region: '按乡镇街道', line: '按渠道' };

export const EVENTS = {
  received: '受理', state: '状态变更', deadlines: '设定期限', deadline_moved: '期限调整',
  reminder: '临期提醒', overdue: '超期', signed_for: '签收', note: '办理进展', replied: '答复',
  answered: '答复', co_opinion: '协办意见', callback: '回访', corrected: '人工分类',
  extension_requested: '申请延期', extension_approved: '延期获批', extension_refused: '延期未批',
  paused: '暂停计时', resumed: '恢复计时', return_requested: '申请退单',
  return_approved: '退单获批', return_refused: '退单未批', repeat_suggested: '疑似重复',
  unmasked: '查看举报人身份', urged: '督办', reopened: '重新办理', merged: '并单',
  follow_up: '诉求人补充', attachment_read: '查看附件',
};
export const DELIVERY_KINDS = { ack: '受理回执', reply: '办理答复' };
export const DELIVERY_VIAS = { wechat: '微信客服消息', email: '电子邮件', phone: '电话回访', open311: '网上公开（Open311）' };
export const DELIVERY_STATES = { queued: '待发送', sent: '已送达', failed: '发送失败' };
export const MESSAGE_KINDS = { text: '补充文字', image: '补充图片', location: '补充位置', mail: '补充邮件' };

// Who did it: a person (user:LOGIN) or one of the hub's own processes.
export function actor(text) {
  if (!text) return '—';
  if (text.startsWith('user:')) return '用户 ' + text.slice(5);
  const system = {
    'suqiu.classify': '系统（智能分类）', 'suqiu.route': '系统（派单）', 'suqiu.intake': '系统（受理）',
    'suqiu.sweep': '系统（巡检）', 'suqiu.deadline': '系统（期限）', 'suqiuctl demo': '演示数据',
    'channel:wechat': '诉求人（微信）', 'channel:email': '诉求人（邮件）',
  };
  return system[text] || (text.startsWith('suqiu') ? '系统（' + text + '）' : text);
}

export function name(table, id) {
  return (id && table[id]) || id || '—';
}

// [value, text] pairs of a table, for a <select>, with a first "all" choice when given.
export function choices(table, first) {
  const pairs = Object.entries(table);
  return first ? [['', first], ...pairs] : pairs;
}
