export {
  topicEndpoint,
  PubSub,
  PUBSUB_ENDPOINT,
  PUBSUB_INTEREST_CHANNEL,
  type PubSubOptions,
  type TopicHandler,
} from './pubsub.ts';
export { startPubSub, PUBSUB_REMSH_HANDLERS } from './start.ts';
