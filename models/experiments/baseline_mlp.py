import numpy as np, os
from proxy_models import fit_mlp, mlp_logits
exec(open('models/experiments/baseline_linear.py').read().split("for norm in ['global'")[0])
rng=np.random.default_rng(0)
per=[stats(c) for c in clips]
val=np.array([(c=='r' and 15<=int(s[1:])<=18) or (c=='e' and s[1:] in('11','13')) for c,s in zip(corp,spk)])
tr_mask=~test&~val
A=np.concatenate([p[0] for i,p in enumerate(per) if tr_mask[i]]); gmu=A.mean(0); gvar=A.var(0)
gf0=np.concatenate([p[1] for i,p in enumerate(per) if tr_mask[i]]).mean()
def feat(a,f0,mu,var,fmu):
    an=(a-mu)/np.sqrt(var+1e-6); f=f0-fmu
    q=np.percentile(an,[10,50,90],axis=0)
    d=np.diff(an,axis=0)
    return np.concatenate([an.mean(0),an.std(0),q.ravel(),np.abs(d).mean(0),[f.mean(),f.std(),np.percentile(f,90)-np.percentile(f,10) if len(f)>2 else 0,len(f0)/len(a)]])
def causal(n0,reps):
    rows=[];ix=[]
    for rep in range(reps):
        for s in sorted(set(spk)):
            idx=[i for i in range(len(clips)) if spk[i]==s]; rng.shuffle(idx)
            n=0;S=0;SS=0;fn=0;fs=0.0
            for i in idx:
                a,f0=per[i]; n+=len(a); S=S+a.sum(0); SS=SS+(a**2).sum(0); fn+=len(f0); fs+=f0.sum()
                mu=(n0*gmu+S)/(n0+n); var=(n0*(gvar+gmu**2)+SS)/(n0+n)-mu**2; fmu=(n0*gf0+fs)/(n0+fn)
                rows.append(feat(a,f0,mu,var,fmu)); ix.append(i)
    return np.array(rows),np.array(ix)
Ftr,itr=causal(300,4); Fte,ite=causal(300,1)
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
