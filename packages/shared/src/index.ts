export * from './stats-dimensions.js';
