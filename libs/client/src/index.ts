export * from './dbforge.client';
export * from './dbforge-error';
