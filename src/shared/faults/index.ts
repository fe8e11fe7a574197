/** Fault classes, the project's error codes and the scrubber for outside text: one place, shared by all parts. */
export * from './codes.js';
export * from './fault.js';
export * from './scrub.js';
