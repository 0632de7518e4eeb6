export { KubernetesActuator, type KubernetesActuatorOptions } from './kubernetes-actuator';
export { loadKubeConfig, type KubeClock } from './kube-api';
