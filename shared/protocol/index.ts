export * from './constants';
export * from './frame';
export * from './decoder';
export * from './envelope';
export * from './login';
