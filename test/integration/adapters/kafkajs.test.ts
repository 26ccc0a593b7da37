import { kafkaContract } from './kafka-contract.js';

kafkaContract('kafkajs');
