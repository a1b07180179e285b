import numpy as np, os
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
def mlp(Xtr,ytr,Xv,yv,h=256,ep=300,lr=1e-3,drop=0.5,wd=1e-4,seed=0):
    r=np.random.default_rng(seed); d=Xtr.shape[1]
    W1=r.normal(0,np.sqrt(2/d),(d,h));b1=np.zeros(h);W2=r.normal(0,np.sqrt(1/h),(h,7));b2=np.zeros(7)
    params=[W1,b1,W2,b2]; m=[np.zeros_like(p) for p in params]; v=[np.zeros_like(p) for p in params]
    cw=np.bincount(ytr,minlength=7); cw=len(ytr)/(7*np.maximum(cw,1)); t=0; best=(-1,None)
    for e in range(ep):
        perm=r.permutation(len(ytr))
        for s in range(0,len(perm),64):
            b=perm[s:s+64]; x=Xtr[b]+r.normal(0,0.1,Xtr[b].shape); y=ytr[b]
            z1=x@W1+b1; a1=np.maximum(z1,0); mask=(r.random(a1.shape)>drop)/(1-drop); a1d=a1*mask
            z2=a1d@W2+b2; z2-=z2.max(1,keepdims=True); p=np.exp(z2); p/=p.sum(1,keepdims=True)
            g=p.copy(); g[np.arange(len(y)),y]-=1; g*=cw[y][:,None]/len(y)
            gW2=a1d.T@g+wd*W2; gb2=g.sum(0); ga1=(g@W2.T)*mask*(z1>0); gW1=x.T@ga1+wd*W1; gb1=ga1.sum(0)
            t+=1
            for i,(pp,gg) in enumerate(zip(params,[gW1,gb1,gW2,gb2])):
                m[i]=0.9*m[i]+0.1*gg; v[i]=0.999*v[i]+0.001*gg*gg
                pp-=lr*(m[i]/(1-0.9**t))/(np.sqrt(v[i]/(1-0.999**t))+1e-8)
        if e%10==9:
            pv=(np.maximum(Xv@W1+b1,0)@W2+b2).argmax(1); u=ua(pv,yv)
            if u>best[0]: best=(u,[p.copy() for p in params],e)
    return best
trm=valid[itr]&tr_mask[itr]; vm=valid[ite]&val[ite]
best=mlp(prep(Ftr[trm]),y[itr][trm],prep(Fte[vm]),y[ite][vm])
print('best val UA',round(best[0],3),'epoch',best[2])
W1,b1,W2,b2=best[1]
for cname in ['r','e']:
    mk=valid[ite]&test[ite]&(np.array(corp)[ite]==cname)
    pred=(np.maximum(prep(Fte[mk])@W1+b1,0)@W2+b2).argmax(1)
    print('MLP test',cname,'UA %.3f'%ua(pred,y[ite][mk]))
