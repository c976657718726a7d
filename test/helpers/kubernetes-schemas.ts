// Validation of Kubernetes objects against the official JSON schemas, offline:
// kubernetes-models 4.5.1 carries the schemas of Kubernetes v1.33.0 (pinned exactly in
// package.json), @kubernetes-models/gateway-api 0.5.1 those of the Gateway API CRDs.
import { expect } from 'vitest';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};

/** Asserts every object validates against its kind's schema; returns "Kind/name" for each. */
export function expectValidKubernetes(objects: { apiVersion: string; kind: string; metadata: { name: string } }[]): string[] {
  return objects.map((o) => {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    expect(Model, `${o.apiVersion}/${o.kind} has a schema`).toBeDefined();
    expect(() => new Model!(JSON.parse(JSON.stringify(o)) as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    return `${o.kind}/${o.metadata.name}`;
  });
}
