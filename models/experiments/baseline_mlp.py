import numpy as np, os
from proxy_models import causal_sessions, fit_mlp, mlp_logits
exec(open('models/experiments/baseline_linear.py').read().split("for norm in ['global'")[0])
rng=np.random.default_rng(0)
per=[stats(c) for c in clips]
val=np.array([(c=='r' and 15<=int(s[1:])<=18) or (c=='e' and s[1:] in('11','13')) for c,s in zip(corp,spk)])
tr_mask=~test&~val
A=np.concatenate([p[0] for i,p in enumerate(per) if tr_mask[i]]); gmu=A.mean(0); gvar=A.var(0)
gf0=np.concatenate([p[1] for i,p in enumerate(per) if tr_mask[i]]).mean()
Ftr,itr=causal_sessions(per,spk,(gmu,gvar,gf0),300,4,rng); Fte,ite=causal_sessions(per,spk,(gmu,gvar,gf0),300,1,rng)
mu=Ftr.mean(0); sd=Ftr.std(0)+1e-6
def prep(F): return (F-mu)/sd
def mlp(Xtr,ytr,Xv,yv,**kw):
    best=[-1,None,None]
    def track(e,params):
        if e%10==9:
            u=ua(mlp_logits(params,Xv).argmax(1),yv)
            if u>best[0]: best[:]=[u,[p.copy() for p in params],e]
    fit_mlp(Xtr,ytr,after_epoch=track,**kw)
    return best
trm=valid[itr]&tr_mask[itr]; vm=valid[ite]&val[ite]
best=mlp(prep(Ftr[trm]),y[itr][trm],prep(Fte[vm]),y[ite][vm])
print('best val UA',round(best[0],3),'epoch',best[2])
for cname in ['r','e']:
    mk=valid[ite]&test[ite]&(np.array(corp)[ite]==cname)
    pred=mlp_logits(best[1],prep(Fte[mk])).argmax(1)
    print('MLP test',cname,'UA %.3f'%ua(pred,y[ite][mk]))
