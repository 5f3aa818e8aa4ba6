// Reads an instance's history (as GET instances/{id}?showHistory=true
// returns it) into what the timeline and the entity-call table show: spans
// with a start and an end, point markers, and the entity calls.
//
// The API folds each scheduling event into its completion (a TaskCompleted
// carries the activity's FunctionName and ScheduledTime), keeps the
// scheduling events still waiting for one (a TaskScheduled is an activity
// still running), and leaves timer ids out, so timers pair with their
// TimerFired by FireAt (a TimerFired carries the time the timer was
// set, so it ends at its FireAt). Entity calls are EventSent messages to "@name@key"
// ids whose replies come back as EventRaised named after the request id.

import { formatTime, parseTime } from './format.js';
import { isTerminal } from './status.js';

// entityOf splits an entity instance id "@name@key" (the key may hold "@").
export function entityOf(instanceId) {
  if (!instanceId || instanceId[0] !== '@') return null;
  const i = instanceId.indexOf('@', 1);
  if (i < 0) return null;
  return { name: instanceId.slice(1, i), key: instanceId.slice(i + 1) };
}

// failureText is the one-line message of a failure: FailureDetails, Reason,
// or an entity reply's error.
export function failureText(e) {
  const fd = e.FailureDetails;
  if (fd) return [fd.ErrorType, fd.ErrorMessage].filter(Boolean).join(': ');
  return e.Reason || e.Details || '';
}

function asObject(v) {
  if (v && typeof v === 'object') return v;
  if (typeof v === 'string') {
    try { return JSON.parse(v); } catch { return null; }
  }
  return null;
}

// replyResult reads an entity reply: its result (JSON text in a string) or
// its error.
function replyResult(input) {
  const o = asObject(input) || {};
  if (o.exceptionType || o.errorMessage) return { failed: true, result: [o.exceptionType, o.errorMessage].filter(Boolean).join(': ') };
  if (o.result === undefined) return { failed: false, result: undefined };
  try { return { failed: false, result: JSON.parse(o.result) }; } catch { return { failed: false, result: o.result }; }
}

// buildModel reads inst (the status with historyEvents) at time now.
export function buildModel(inst, now = Date.now()) {
  const events = inst.historyEvents || [];
  const terminal = isTerminal(inst.runtimeStatus);
  const spans = [];
  const markers = [];
  const entityCalls = [];
  const timers = [];
  const requests = new Map(); // entity request id -> its span and call
  let start = parseTime(inst.createdTime);
  let end = terminal ? parseTime(inst.lastUpdatedTime) : now;
  let suspendedAt = null;
  const orchestration = { kind: 'orchestration', name: inst.name, start, end: null, state: 'running', seq: 0 };
  spans.push(orchestration);

  events.forEach((e, seq) => {
    const at = parseTime(e.Timestamp);
    switch (e.EventType) {
      case 'ExecutionStarted':
        start = at;
        orchestration.start = at;
        break;
      case 'ExecutionCompleted':
      case 'ExecutionFailed':
        orchestration.end = at;
        orchestration.state = e.OrchestrationStatus === 'Failed' || e.EventType === 'ExecutionFailed' ? 'failed' : 'completed';
        orchestration.detail = failureText(e);
        end = Math.max(end, at);
        break;
      case 'ExecutionTerminated':
        markers.push({ kind: 'terminated', name: 'Terminated', at, detail: typeof e.Input === 'string' ? e.Input : JSON.stringify(e.Input ?? ''), seq });
        orchestration.end = at;
        orchestration.state = 'terminated';
        break;
      case 'TaskScheduled':
        spans.push({ kind: 'activity', name: e.Name, start: at, end: null, state: 'pending', input: e.Input, seq });
        break;
      case 'TaskCompleted':
      case 'TaskFailed':
        spans.push({
          kind: 'activity', name: e.FunctionName, start: parseTime(e.ScheduledTime) || at, end: at,
          state: e.EventType === 'TaskFailed' ? 'failed' : 'completed', input: e.Input, result: e.Result, detail: failureText(e), seq,
        });
        break;
      case 'SubOrchestrationInstanceCreated':
        spans.push({ kind: 'suborchestration', name: e.Name, start: at, end: null, state: 'pending', instanceId: e.InstanceId, input: e.Input, seq });
        break;
      case 'SubOrchestrationInstanceCompleted':
      case 'SubOrchestrationInstanceFailed':
        spans.push({
          kind: 'suborchestration', name: e.FunctionName, start: parseTime(e.ScheduledTime) || at, end: at,
          state: e.EventType === 'SubOrchestrationInstanceFailed' ? 'failed' : 'completed',
          instanceId: e.InstanceId, input: e.Input, result: e.Result, detail: failureText(e), seq,
        });
        break;
      case 'TimerCreated': {
        const fireAt = parseTime(e.FireAt);
        const t = { kind: 'timer', name: `until ${formatTime(fireAt)}`, start: at, end: null, fireAt, state: 'waiting', seq };
        timers.push(t);
        spans.push(t);
        break;
      }
      case 'TimerFired': {
        const fireAt = parseTime(e.FireAt);
        const t = timers.find((x) => x.state === 'waiting' && x.fireAt === fireAt);
        if (t) {
          // A TimerFired is stamped when the timer is set, not when it
          // fires; it fires at FireAt.
          t.state = 'fired';
          t.end = Math.max(at, fireAt);
        } else {
          markers.push({ kind: 'timer', name: 'Timer fired', at, seq });
        }
        break;
      }
      case 'EventSent':
        onEventSent(e, at, seq);
        break;
      case 'EventRaised': {
        const req = requests.get(e.Name);
        if (req) {
          const reply = replyResult(e.Input);
          req.span.end = at;
          req.span.state = reply.failed ? 'failed' : 'completed';
          req.span.result = reply.result;
          req.call.answered = at;
          req.call.result = reply.result;
          req.call.state = req.span.state;
          requests.delete(e.Name);
        } else {
          markers.push({ kind: 'event', name: e.Name, at, detail: e.Input, seq });
        }
        break;
      }
      case 'ExecutionSuspended':
        suspendedAt = { at, seq, reason: e.Reason };
        break;
      case 'ExecutionResumed':
        spans.push({ kind: 'suspended', name: 'Suspended', start: suspendedAt ? suspendedAt.at : at, end: at, state: 'completed', detail: suspendedAt?.reason, seq: suspendedAt ? suspendedAt.seq : seq });
        suspendedAt = null;
        break;
      case 'ExecutionRewound':
        markers.push({ kind: 'rewound', name: 'Rewound', at, detail: e.Reason, seq });
        break;
      case 'ContinueAsNew':
        markers.push({ kind: 'event', name: 'Continued as new', at, seq });
        break;
      default:
        break;
    }
  });

  function onEventSent(e, at, seq) {
    const entity = entityOf(e.InstanceId);
    if (!entity) {
      markers.push({ kind: 'sent', name: `Event ${e.Name} sent`, at, instanceId: e.InstanceId, detail: e.Input, seq });
      return;
    }
    const req = asObject(e.Input) || {};
    let input = req.input;
    if (typeof input === 'string') {
      try { input = JSON.parse(input); } catch { /* a plain string input */ }
    }
    const call = { entity, op: req.op, sent: at, answered: null, input, result: undefined, seq };
    if (e.Name === 'release' || req.releaseOf) {
      call.kind = 'release';
      call.op = 'release lock';
      call.state = 'sent';
      markers.push({ kind: 'signal', name: `${entity.name}@${entity.key}: release lock`, at, entity, seq });
    } else if (req.signal) {
      call.kind = 'signal';
      call.state = 'sent';
      markers.push({ kind: 'signal', name: `${entity.name}@${entity.key}: signal ${req.op}`, at, entity, seq });
    } else {
      const lock = Array.isArray(req.lockset);
      call.kind = lock ? 'lock' : 'call';
      if (lock) call.op = `lock ${req.lockset.map((x) => { const en = entityOf(x); return en ? `${en.name}@${en.key}` : x; }).join(', ')}`;
      call.state = 'pending';
      const span = { kind: 'entity', name: `${entity.name}@${entity.key}: ${call.op}`, start: at, end: null, state: 'pending', entity, input, seq };
      spans.push(span);
      if (req.id) requests.set(req.id, { span, call });
    }
    entityCalls.push(call);
  }

  if (suspendedAt) {
    spans.push({ kind: 'suspended', name: 'Suspended', start: suspendedAt.at, end: null, state: 'pending', detail: suspendedAt.reason, seq: suspendedAt.seq });
  }
  if (orchestration.end === null && terminal) {
    orchestration.end = end;
    orchestration.state = inst.runtimeStatus.toLowerCase();
  }
  // What never finished: still running, or cut short by the end.
  for (const s of spans) {
    if (s.end !== null) continue;
    if (s.kind === 'timer') {
      s.state = terminal ? 'canceled' : 'waiting';
      s.end = terminal ? Math.min(s.fireAt, end) : s.fireAt;
    } else {
      s.state = terminal ? 'unfinished' : 'pending';
      s.end = end;
    }
  }
  spans.sort((a, b) => a.start - b.start || a.seq - b.seq);
  markers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  if (!Number.isFinite(start)) start = Math.min(...spans.map((s) => s.start).filter(Number.isFinite));
  return { start, end: Math.max(end, start), spans, markers, entityCalls };
}
