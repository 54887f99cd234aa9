export {
  computeTruth,
  type DayTruth,
  type EventGoal,
  type FunnelStep,
  type FunnelTruth,
  type Goal,
  type GoalTruth,
  type GroundTruth,
  NO_PROP_VALUE,
  type PageGoal,
  type PageRow,
  type PropRow,
  pathPatternRegExp,
  type TotalsTruth,
  type TruthSpec,
  type VisitRow,
} from './compute-truth.js';
export {
  DEFAULT_GROUND_TRUTH_OPTIONS,
  GROUND_TRUTH_SPEC,
  type GroundTruthData,
  type GroundTruthOptions,
  generateGroundTruth,
} from './generate-ground-truth.js';
export { addCalendarDays, localDateOf, localMidnightMs, utcOffsetMs } from './local-time.js';
