// The one place a method is named. `import * as Protocol from '…/server/protocol'`.
export * from './entities';
export * from './drift';
export * from './errors';
export * from './methods';
export * from './plan';
export * from './policies';
export * from './projectRoot';
export * from './redeem';
export * from './textRules';
export * from './toEditor';
export * from './variables';
export * from './usableSpaces';
export * from './tokenEnded';
